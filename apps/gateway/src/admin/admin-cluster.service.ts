import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queues, type AdminHealthSummary, type AdminInstancesView, type AgentWorkersView } from '@app/contracts';
import { AppConfig } from '@app/config';
import { RequestCatalog } from '@app/persistence';
import { HealthSampler } from '../metrics';
import { PresenceReporter } from '../presence';
import { AgentWorkerDirectory } from './agent-worker-directory';
import { withOwnChannel } from './own-channel';

/** The cluster as presence sees it, the agent workers as the broker and their heartbeats see them, and this instance's health. */
@Injectable()
export class AdminCluster {
  private readonly logger = new Logger(AdminCluster.name);

  constructor(
    private readonly catalog: RequestCatalog,
    private readonly presence: PresenceReporter,
    private readonly health: HealthSampler,
    private readonly amqp: AmqpConnection,
    private readonly config: AppConfig,
    private readonly workers: AgentWorkerDirectory,
  ) {}

  async instances(): Promise<AdminInstancesView> {
    const [rows, agentWorkers] = await Promise.all([this.catalog.instances(this.config.PRESENCE_STALE_MS), this.agentWorkers()]);
    return {
      items: rows.map((row) => ({
        instanceId: row.instanceId,
        self: row.instanceId === this.presence.instanceId,
        startedAt: row.startedAt.toISOString(),
        heartbeatAt: row.heartbeatAt.toISOString(),
        gauges: row.gauges,
        watchingSockets: row.watchingSockets,
      })),
      agentWorkers,
      workers: this.workers.list(),
    };
  }

  healthSummary(): Promise<AdminHealthSummary> {
    return this.health.summary(this.presence.instanceId);
  }

  /** Consumers of the shared start queue are the running agent workers. Null when the broker cannot say. */
  private async agentWorkers(): Promise<AgentWorkersView | null> {
    try {
      const { consumerCount, messageCount } = await withOwnChannel(this.amqp, (channel) => channel.checkQueue(Queues.agentStart));
      return { queue: Queues.agentStart, consumers: consumerCount, ready: messageCount };
    } catch (error) {
      this.logger.warn(`cannot count the agent workers: ${(error as Error).message}`);
      return null;
    }
  }
}
