/**
 * Fault 2: the database stops mid-stream and comes back. On a private
 * Postgres cluster, never the shared one. The recorder keeps the events
 * unacked and retries, so nothing is lost; commands meanwhile answer
 * UNAVAILABLE (not INTERNAL, not a hang); /health/ready goes 503 and back.
 */
import { newRequestId, RECORDING_MODES } from '../support/gateway-harness';
import { expectExactlyOnce, reportFault } from './support/fault-report';
import { faultProcesses, privateService, recoveryAfterRestart, sleep, startMidRun, waitForReadiness } from './support/fault-fixture';
import { PrivatePostgres } from './support/private-postgres';

const OUTAGE_MS = 3000;

// Both ways of writing the batches (RECORDING_THREAD): the recording thread has a pool of its own to lose and get back.
describe.each(RECORDING_MODES)('fault: the database restarts mid-stream, batches recorded %s', (where, recordingThread) => {
  const database = privateService(() => PrivatePostgres.start());
  const processes = faultProcesses(() => ({ env: { DATABASE_URL: database.it.url, RECORDING_THREAD: recordingThread } }));

  it('recording waits and loses nothing; commands answer UNAVAILABLE meanwhile; readiness goes 503 and back', async () => {
    const gateway = await processes.gateway();
    await processes.worker();
    const client = await startMidRun([gateway.url], 'postgres-restart', { steps: 14, stepDelayMs: 250 });
    const { requestId } = client;

    const stoppedAt = Date.now();
    database.it.stop();
    const unreadyAfterMs = await waitForReadiness(gateway.url, false);
    const commands = {
      start: () => client.ack('start', { requestId: newRequestId('during-outage'), userQuery: 'during the outage' }),
      cancel: () => client.ack('cancel', { requestId }),
      rejoin: () => client.ack('rejoin', { requestId, lastSeq: client.lastSeq }),
    };
    const answers: Record<string, { reply: any; ms: number }> = {};
    for (const [name, send] of Object.entries(commands)) {
      const askedAt = Date.now();
      answers[name] = { reply: await send(), ms: Date.now() - askedAt };
    }
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    database.it.boot();
    const { backAt, readyAfterMs, streamResumedAfterMs, figures } = await recoveryAfterRestart(client, gateway.url);
    reportFault(`Postgres restart mid-stream (private cluster stopped and started), recorded ${where}`, {
      ...figures,
      outageMs: backAt - stoppedAt,
      readinessDownAfterMs: unreadyAfterMs,
      slowestRefusalMs: Math.max(...Object.values(answers).map((a) => a.ms)),
      readyAfterDatabaseBackMs: readyAfterMs,
      streamResumedAfterDatabaseBackMs: streamResumedAfterMs,
    });
    client.close();

    for (const [name, { reply, ms }] of Object.entries(answers)) {
      expect({ name, reply }).toEqual({ name, reply: { ok: false, error: { code: 'UNAVAILABLE', message: expect.any(String) } } });
      expect(ms).toBeLessThan(6000);
    }
    expectExactlyOnce(figures);
    expect(client.completions()[0]).toMatchObject({ status: 'completed' });
  }, 120_000);
});
