/**
 * Fault 4: SIGKILL of the agent worker running a request, mid-run. Its start
 * was never acked, so the broker gives it to the other worker, which claims
 * the run once the dead worker's claim is gone and redoes it: the same event
 * ids, recorded once, so the frontend sees every step completed once and
 * exactly one request.completed. Never stuck `running`.
 */
import { expectExactlyOnce, figuresOf, reportFault } from './support/fault-report';
import { faultProcesses, linesAbout, loggedAt, startMidRun } from './support/fault-fixture';

describe('fault: an agent worker is killed mid-run', () => {
  const processes = faultProcesses();

  it('the other worker takes the run over; the frontend sees no loss, no repeat, one request.completed', async () => {
    const gateway = await processes.gateway();
    const workers = [await processes.worker(), await processes.worker()];
    // Kill the holder once the executor has completed a few steps.
    const client = await startMidRun([gateway.url], 'agent-crash', { steps: 12, stepDelayMs: 150 }, 4);
    const { requestId } = client;
    const holder = workers.find((w) => linesAbout(w, requestId, 'taking run').length > 0);
    const survivor = workers.find((w) => w !== holder);
    expect(holder).toBeDefined();
    const killedAt = Date.now();
    await holder!.stop('SIGKILL');

    await client.waitForCompletion(40_000);
    const completedAt = Date.now();
    const figures = await figuresOf(client, gateway.url);
    const stepCompletions = client.messages.flatMap((m) => (m.type === 'progress' && m.status === 'completed' ? [`${m.agent}:${m.step}`] : []));
    reportFault('agent worker SIGKILL mid-run', {
      ...figures,
      takenOverAfterMs: (loggedAt(survivor!, requestId, 'taking run') ?? NaN) - killedAt,
      completedAfterMs: completedAt - killedAt,
    });
    client.close();

    expectExactlyOnce(figures);
    expect(client.completions()[0]).toMatchObject({ status: 'completed' });
    expect(new Set(stepCompletions).size).toBe(stepCompletions.length);
    expect(linesAbout(survivor!, requestId, 'taking run')).toHaveLength(1);
  }, 90_000);
});
