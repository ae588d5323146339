import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { AGENT_WORKER_INTERVAL_MAX_MS, AGENT_WORKER_INTERVAL_MIN_MS, AGENT_WORKER_MISSED_HEARTBEATS, Exchanges, type AgentWorkerHeartbeat, type AgentWorkerState, type AgentWorkerWorkflow } from '@app/contracts';
import type { BrokerPublisher } from '@app/messaging';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;

/** What the heartbeat reads from its worker each time it beats. */
export interface HeartbeatSource {
  workflows: AgentWorkerWorkflow[];
  runsInProgress(): number;
}

/**
 * Announces this worker on `agent-stream.agent-workers` every interval, so
 * gateways can show which workers serve which workflows (docs/protocol.md §2).
 * Not persistent and expiring after the missed heartbeats a gateway allows:
 * a heartbeat is only worth anything while it is fresh. A heartbeat the
 * broker will not take is skipped; the next one says the same.
 */
export class WorkerHeartbeat {
  readonly workerId = randomUUID();
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private readonly startedAt = new Date().toISOString();
  private state: AgentWorkerState = 'serving';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly publisher: BrokerPublisher,
    private readonly source: HeartbeatSource,
    private readonly intervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS,
  ) {
    // Gateways would refuse every heartbeat of a worker outside these bounds: stop at start-up instead.
    if (!Number.isInteger(intervalMs) || intervalMs < AGENT_WORKER_INTERVAL_MIN_MS || intervalMs > AGENT_WORKER_INTERVAL_MAX_MS) {
      throw new Error(`AgentKitModule option heartbeatIntervalMs must be an integer from ${AGENT_WORKER_INTERVAL_MIN_MS} to ${AGENT_WORKER_INTERVAL_MAX_MS} (ms), got ${intervalMs}`);
    }
  }

  /** The first heartbeat at once, then one per interval. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.intervalMs).unref();
    return this.beat();
  }

  /** Shutting down: beats on (runs in progress still count) as `draining`. */
  draining(): Promise<void> {
    this.state = 'draining';
    return this.beat();
  }

  /** The last heartbeat: gateways forget this worker at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.state = 'stopped';
    await this.beat();
  }

  private async beat(): Promise<void> {
    // While the broker is away: skip rather than wait out a publish timeout (shutdown would wait too).
    if (!this.publisher.connected) return;
    const heartbeat: AgentWorkerHeartbeat = {
      workerId: this.workerId,
      host: hostname(),
      pid: process.pid,
      state: this.state,
      workflows: this.source.workflows,
      runsInProgress: this.source.runsInProgress(),
      startedAt: this.startedAt,
      intervalMs: this.intervalMs,
    };
    try {
      await this.publisher.publish(Exchanges.agentWorkers, '', heartbeat, {
        persistent: false,
        expiration: String(this.intervalMs * AGENT_WORKER_MISSED_HEARTBEATS),
      });
    } catch (error) {
      this.logger.debug(`heartbeat skipped: ${(error as Error).message}`);
    }
  }
}
