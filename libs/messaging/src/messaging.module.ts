import { AmqpConnection, MessageHandlerErrorBehavior } from '@golevelup/nestjs-rabbitmq';
import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '@app/config';
import { BrokerConsumer } from './broker-consumer';
import { BrokerPublisher } from './broker-publisher';
import { BrokerSubscriptions, SubscriptionExplorer } from './subscriptions';
import { EXCHANGES, queuesFor } from './topology';

async function connect(config: AppConfig): Promise<AmqpConnection> {
  const connection = new AmqpConnection({
    name: 'default',
    uri: config.AMQP_URL,
    exchanges: EXCHANGES,
    queues: queuesFor(config.INGEST_SHARDS),
    // The library requeues a failing message forever by default: never do that.
    defaultSubscribeErrorBehavior: MessageHandlerErrorBehavior.NACK,
    registerHandlers: false,
    enableDirectReplyTo: false,
    connectionInitOptions: { wait: true, timeout: 15_000 },
    connectionManagerOptions: {
      // Nagle adds tens of ms to small messages on loopback.
      connectionOptions: { noDelay: true },
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
    },
    logger: new Logger('RabbitMQ'),
  });
  await connection.init();
  return connection;
}

/**
 * The broker connection (golevelup's AmqpConnection: reconnects, declares the
 * topology on every connect, confirms publishes). We create it ourselves
 * rather than through RabbitMQModule, whose connection registry is static:
 * two apps in one process (tests, the quick start) would share and close
 * each other's connection. It is closed last, after sockets and consumers.
 * Every `@Subscribe` method of the app is started here (SubscriptionExplorer).
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: AmqpConnection, inject: [AppConfig], useFactory: connect },
    BrokerPublisher,
    BrokerConsumer,
    BrokerSubscriptions,
    SubscriptionExplorer,
  ],
  exports: [AmqpConnection, BrokerPublisher, BrokerConsumer, BrokerSubscriptions],
})
export class MessagingModule implements OnApplicationShutdown {
  constructor(@Inject(AmqpConnection) private readonly connection: AmqpConnection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
