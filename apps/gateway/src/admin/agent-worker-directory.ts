import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { AgentWorkerHeartbeat, Exchanges, validateKnownFields, type AgentWorkerInstanceView } from '@app/contracts';
import { BrokerConsumer, settle } from '@app/messaging';
import { HeardWorkers } from './heard-workers';

/**
 * This gateway's view of the agent workers, from their heartbeats on
 * `agent-stream.agent-workers` (docs/protocol.md §2), for GET /admin/instances.
 *
 * A BrokerConsumer queue rather than `@Subscribe`: every gateway needs every
 * heartbeat, so the queue is per instance (server-named, exclusive,
 * auto-delete), while `@Subscribe` takes a durable queue shared across the
 * cluster, each message handled once, retried and dead-lettered. A heartbeat
 * that cannot be read is worth neither: it is dropped, the next one comes soon.
 * What was sent while this gateway was disconnected is gone with its queue;
 * workers beat again within an interval.
 */
@Injectable()
export class AgentWorkerDirectory implements OnApplicationBootstrap {
  private readonly logger = new Logger(AgentWorkerDirectory.name);
  private readonly workers = new HeardWorkers();

  constructor(private readonly consumer: BrokerConsumer) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.consume(
      {
        name: 'agent-worker-heartbeats',
        queueOptions: { exclusive: true, autoDelete: true, durable: false },
        bindings: [{ exchange: Exchanges.agentWorkers, routingKey: '' }],
        prefetch: 100,
      },
      (message, channel) => this.onHeartbeat(message, channel),
    );
  }

  list(): AgentWorkerInstanceView[] {
    return this.workers.list();
  }

  private onHeartbeat(message: ConsumeMessage, channel: Channel): void {
    settle(channel, (c) => c.ack(message));
    try {
      this.workers.heard(validateKnownFields(AgentWorkerHeartbeat, JSON.parse(message.content.toString('utf8'))));
    } catch (error) {
      this.logger.warn(`ignoring an unreadable agent worker heartbeat: ${(error as Error).message}`);
    }
  }
}
