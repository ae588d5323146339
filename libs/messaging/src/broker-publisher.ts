import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { BrokerUnavailableError } from './broker-unavailable.error';

export interface PublishOptions {
  headers?: Record<string, unknown>;
  messageId?: string;
  /** Default true: survives a broker restart. The fan-out hop needs no persistence. */
  persistent?: boolean;
}

/**
 * Publishes JSON with publisher confirms. While the broker is away the
 * library would buffer forever; the channel's own timeout drops the message
 * from its buffer and we report UNAVAILABLE, so nothing is sent half-done.
 */
@Injectable()
export class BrokerPublisher {
  constructor(
    private readonly amqp: AmqpConnection,
    private readonly config: AppConfig,
  ) {}

  /** `body` is sent as JSON, or as it is when it is already a Buffer. */
  async publish(exchange: string, routingKey: string, body: unknown, options: PublishOptions = {}): Promise<void> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    try {
      await this.amqp.managedChannel.publish(exchange, routingKey, content, {
        persistent: true,
        contentType: 'application/json',
        timeout: this.config.PUBLISH_TIMEOUT_MS,
        ...options,
      });
    } catch (error) {
      throw new BrokerUnavailableError(`publish to ${exchange}/${routingKey} failed: ${(error as Error).message}`);
    }
  }

  get connected(): boolean {
    return this.amqp.managedConnection.isConnected();
  }
}
