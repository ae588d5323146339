import type { AgentWorkerHeartbeat } from '@app/contracts';
import { HeardWorkers } from './heard-workers';

const heartbeat = (over: Partial<AgentWorkerHeartbeat> = {}): AgentWorkerHeartbeat => ({
  workerId: 'w1',
  host: 'box',
  pid: 42,
  state: 'serving',
  workflows: [{ name: 'alpha', default: true }, { name: 'beta', default: false }],
  runsInProgress: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  intervalMs: 1000,
  ...over,
});

describe('HeardWorkers', () => {
  let now = 0;
  const workers = new HeardWorkers(() => now);
  beforeEach(() => {
    now = 10_000;
    workers.heard(heartbeat({ state: 'stopped' }));
    workers.heard(heartbeat({ workerId: 'w2', state: 'stopped' }));
  });

  it('lists a worker with its workflows and when it was last heard', () => {
    workers.heard(heartbeat());
    expect(workers.list()).toEqual([
      { workerId: 'w1', host: 'box', pid: 42, state: 'serving', workflows: [{ name: 'alpha', default: true }, { name: 'beta', default: false }], runsInProgress: 1, startedAt: '2026-01-01T00:00:00.000Z', heartbeatAt: new Date(10_000).toISOString(), intervalMs: 1000 },
    ]);
  });

  it('keeps the latest heartbeat per worker, oldest worker first', () => {
    workers.heard(heartbeat({ workerId: 'w2', startedAt: '2026-01-01T00:00:05.000Z' }));
    workers.heard(heartbeat({ runsInProgress: 3 }));
    expect(workers.list().map((w) => [w.workerId, w.runsInProgress])).toEqual([['w1', 3], ['w2', 1]]);
  });

  it('forgets a worker after three of its intervals without a heartbeat', () => {
    workers.heard(heartbeat());
    workers.heard(heartbeat({ workerId: 'w2', intervalMs: 5000 }));
    now += 3000;
    expect(workers.list().map((w) => w.workerId)).toEqual(['w1', 'w2']);
    now += 1;
    expect(workers.list().map((w) => w.workerId)).toEqual(['w2']);
  });

  it('forgets a worker at once on its stopped heartbeat, shows draining ones', () => {
    workers.heard(heartbeat());
    workers.heard(heartbeat({ workerId: 'w2', state: 'draining' }));
    workers.heard(heartbeat({ state: 'stopped' }));
    expect(workers.list().map((w) => [w.workerId, w.state])).toEqual([['w2', 'draining']]);
  });
});
