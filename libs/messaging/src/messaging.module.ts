import { MessageHandlerErrorBehavior, RabbitMQModule } from '@golevelup/nestjs-rabbitmq';
import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { BrokerConsumer } from './broker-consumer';
import { BrokerPublisher } from './broker-publisher';
import { EXCHANGES, QUEUES } from './topology';

@Global()
@Module({
  imports: [
    RabbitMQModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        uri: config.AMQP_URL,
        exchanges: EXCHANGES,
        queues: QUEUES,
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
      }),
    }),
  ],
  providers: [BrokerPublisher, BrokerConsumer],
  exports: [BrokerPublisher, BrokerConsumer],
})
export class MessagingModule {}
