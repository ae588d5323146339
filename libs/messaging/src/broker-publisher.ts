import { randomUUID } from 'node:crypto';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Injectable } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { AppConfig } from '@app/config';
import { BrokerUnavailableError, UnroutableMessageError } from './broker-unavailable.error';

export interface PublishOptions {
  headers?: Record<string, unknown>;
  messageId?: string;
  /** Default true: survives a broker restart. The fan-out hop needs no persistence. */
  persistent?: boolean;
  /**
   * Refuse when no queue is bound to the routing key: the broker returns the
   * message (AMQP `mandatory`) instead of dropping it, and publish rejects
   * with UnroutableMessageError.
   */
  mandatory?: boolean;
  /** Per-message TTL (ms, as AMQP wants it: a string): a message not consumed by then is dropped. */
  expiration?: string;
}

/**
 * Publishes JSON with publisher confirms. While the broker is away the
 * library would buffer forever; the channel's own timeout drops the message
 * from its buffer and we report UNAVAILABLE, so nothing is sent half-done.
 */
@Injectable()
export class BrokerPublisher {
  /** messageIds of mandatory publishes awaiting their confirm: true once the broker returned one. */
  private readonly mandatory = new Map<string, boolean>();

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly config: AppConfig,
  ) {
    // On every channel the wrapper opens (reconnects too). The broker sends a return before the
    // publish's confirm, so the flag is set by the time publish() resumes.
    void amqp.managedChannel.addSetup((channel: Channel) => {
      channel.on('return', (message: ConsumeMessage) => {
        const id = message.properties.messageId as string | undefined;
        if (id !== undefined && this.mandatory.has(id)) this.mandatory.set(id, true);
      });
    });
  }

  /** `body` is sent as JSON, or as it is when it is already a Buffer. */
  async publish(exchange: string, routingKey: string, body: unknown, options: PublishOptions = {}): Promise<void> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const messageId = options.messageId ?? (options.mandatory ? randomUUID() : undefined);
    if (options.mandatory) this.mandatory.set(messageId as string, false);
    let returned = false;
    try {
      await this.amqp.managedChannel.publish(exchange, routingKey, content, {
        persistent: true,
        contentType: 'application/json',
        timeout: this.config.PUBLISH_TIMEOUT_MS,
        ...options,
        ...(messageId === undefined ? {} : { messageId }),
      });
    } catch (error) {
      throw new BrokerUnavailableError(`publish to ${exchange}/${routingKey} failed: ${(error as Error).message}`);
    } finally {
      if (options.mandatory) {
        returned = this.mandatory.get(messageId as string) === true;
        this.mandatory.delete(messageId as string);
      }
    }
    if (returned) throw new UnroutableMessageError(`no queue is bound to ${exchange}/${routingKey}`);
  }

  get connected(): boolean {
    return this.amqp.managedConnection.isConnected();
  }
}
