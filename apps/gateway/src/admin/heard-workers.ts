import { AGENT_WORKER_MISSED_HEARTBEATS, type AgentWorkerHeartbeat, type AgentWorkerInstanceView } from '@app/contracts';

/**
 * The agent workers heard from lately, by worker id: each heartbeat replaces
 * the last one; a worker is forgotten on its `stopped` heartbeat or after
 * AGENT_WORKER_MISSED_HEARTBEATS of its own intervals without one.
 */
export class HeardWorkers {
  private readonly workers = new Map<string, { heartbeat: AgentWorkerHeartbeat; heardAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  heard(heartbeat: AgentWorkerHeartbeat): void {
    // Deleted first so that Map order stays "first heard" only for workers that never left.
    if (heartbeat.state === 'stopped') this.workers.delete(heartbeat.workerId);
    else this.workers.set(heartbeat.workerId, { heartbeat, heardAt: this.now() });
  }

  /** The live ones, oldest first (by their own start); expired ones are dropped on the way. */
  list(): AgentWorkerInstanceView[] {
    const now = this.now();
    const live: AgentWorkerInstanceView[] = [];
    for (const [workerId, { heartbeat, heardAt }] of this.workers) {
      if (now - heardAt > heartbeat.intervalMs * AGENT_WORKER_MISSED_HEARTBEATS) {
        this.workers.delete(workerId);
        continue;
      }
      const { host, pid, state, workflows, runsInProgress, startedAt, intervalMs } = heartbeat;
      live.push({
        workerId,
        host,
        pid,
        state: state === 'draining' ? 'draining' : 'serving',
        workflows: workflows.map((w) => ({ ...(w.name === undefined ? {} : { name: w.name }), default: w.default })),
        runsInProgress,
        startedAt,
        heartbeatAt: new Date(heardAt).toISOString(),
        intervalMs,
      });
    }
    return live.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.workerId.localeCompare(b.workerId));
  }
}
