import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import { exchangeType } from './topology';

export interface ConsumerSpec {
  /** For logs and the channel name. */
  name: string;
  /** Omit for a server-named queue (one per process: pair with exclusive + autoDelete). */
  queue?: string;
  queueOptions: Options.AssertQueue;
  bindings: Array<{ exchange: string; routingKey: string }>;
  /** Unacked messages in flight on this consumer's own channel. */
  prefetch: number;
  /** Queues declared with it (not consumed): its retry and dead-letter queues. */
  extraQueues?: Array<{ queue: string; options: Options.AssertQueue }>;
  /**
   * More queues taken on the same channel by the same handler; `prefetch`
   * then counts across all of them (RabbitMQ's channel-wide prefetch).
   */
  moreQueues?: Array<{ queue: string; queueOptions: Options.AssertQueue; bindings: ConsumerSpec['bindings'] }>;
  /**
   * Called each time the consumer is attached, the first time and after every
   * reconnect: what was published meanwhile to a per-process queue is gone.
   * Gets the channel and its consumer tags (to stop consuming).
   */
  onAttached?: (attached: AttachedQueue) => void | Promise<void>;
}

/** What a consumer was attached to: its channel, its first queue's (possibly server-given) name, its consumer tags. */
export interface AttachedQueue {
  channel: Channel;
  /** The spec's own queue, e.g. to add bindings to a server-named one. */
  queue: string;
  consumerTags: string[];
}

/** One consumer: closing it returns its unacked deliveries to the queue. */
export interface ConsumerHandle {
  close(): Promise<void>;
}

/** Gets each delivery with the channel it came on, to ack or nack it. */
export type DeliveryHandler = (message: ConsumeMessage, channel: Channel) => void;

/**
 * Consumers on channels of their own, re-established after a reconnect.
 * We use these rather than `@RabbitSubscribe` because the recorder needs raw
 * deliveries (group commit, multiple-ack, dead-lettering with a reason) and
 * per-instance queues must be re-created on a new connection.
 * Handlers of one message at a time use `@Subscribe` (BrokerSubscriptions),
 * built on this. Ours that stay raw, and why:
 * - the recorder: a batch per flush, one multiple-ack, retried as a whole,
 *   never dead-lettered for a database outage;
 * - live delivery's per-instance fan-out queue: server-named, exclusive, no
 *   retry (a missed event is read from the log instead);
 * - the agent worker's starts: a start stays unacked for its whole run, may
 *   be handed back to the queue for the worker that holds its claim, and all
 *   workflows' queues share one prefetch (libs/agent-kit agent-worker.ts);
 * - the agent worker's commands (cancel, feedback, extension commands): a
 *   broadcast, so a per-process queue (server-named, exclusive, auto-delete)
 *   where `@Subscribe` takes one durable queue shared by the cluster; acked
 *   on arrival, never retried or dead-lettered: only the worker holding the
 *   run acts, the others ignore it, and a cancel for a start still waiting
 *   in its queue is caught by the gateway's cancel marker instead;
 * - the gateway's agent worker heartbeats: per instance too (every gateway
 *   needs every heartbeat), and a lost one is replaced by the next.
 */
@Injectable()
export class BrokerConsumer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerConsumer.name);
  private readonly channels: ChannelWrapper[] = [];

  constructor(private readonly amqp: AmqpConnection) {}

  /** Resolves once the consumer is attached for the first time. */
  async consume(spec: ConsumerSpec, handler: DeliveryHandler): Promise<ConsumerHandle> {
    const wrapper = this.amqp.managedConnection.createChannel({
      name: spec.name,
      confirm: false,
      setup: async (channel: Channel) => {
        const more = spec.moreQueues ?? [];
        await channel.prefetch(spec.prefetch, more.length > 0);
        for (const extra of spec.extraQueues ?? []) await channel.assertQueue(extra.queue, extra.options);
        const consumerTags: string[] = [];
        const queues: string[] = [];
        for (const { queue: name, queueOptions, bindings } of [spec, ...more]) {
          const { queue } = await channel.assertQueue(name ?? '', queueOptions);
          queues.push(queue);
          for (const { exchange, routingKey } of bindings) {
            await channel.assertExchange(exchange, exchangeType(exchange), { durable: true });
            await channel.bindQueue(queue, exchange, routingKey);
          }
          const { consumerTag } = await channel.consume(queue, (message) => {
            if (message) handler(message, channel);
          });
          consumerTags.push(consumerTag);
          this.logger.log(`consuming ${queue} (${spec.name})`);
        }
        await spec.onAttached?.({ channel, queue: queues[0], consumerTags });
      },
    });
    this.channels.push(wrapper);
    await wrapper.waitForConnect();
    return {
      close: async () => {
        const index = this.channels.indexOf(wrapper);
        if (index >= 0) this.channels.splice(index, 1);
        await wrapper.close().catch(() => undefined);
        this.logger.log(`stopped consuming (${spec.name})`);
      },
    };
  }

  /**
   * Stop taking deliveries before Nest closes sockets (golevelup would do it
   * only in onApplicationShutdown, after clients are gone); unacked messages
   * return to their queues.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.channels.splice(0).map((c) => c.close()));
  }
}

/**
 * Acks or nacks without throwing when the channel closed meanwhile (the broker
 * redelivers). False when the channel was gone.
 */
export function settle(channel: Channel, action: (c: Channel) => void): boolean {
  try {
    action(channel);
    return true;
  } catch {
    /* channel gone: the message is redelivered to whoever consumes next */
    return false;
  }
}
