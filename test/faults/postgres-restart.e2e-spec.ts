/**
 * Fault 2: the database stops mid-stream and comes back. On a private
 * Postgres cluster, never the shared one. The recorder keeps the events
 * unacked and retries, so nothing is lost; commands meanwhile answer
 * UNAVAILABLE (not INTERNAL, not a hang); /health/ready goes 503 and back.
 */
import { demoContext, newRequestId, newUser } from '../support/gateway-harness';
import { expectExactlyOnce, figuresOf, reportFault } from './support/fault-report';
import { faultProcesses, sleep, waitForReadiness } from './support/fault-fixture';
import { PrivatePostgres } from './support/private-postgres';
import { RecoveringClient } from './support/recovering-client';

const OUTAGE_MS = 3000;

describe('fault: the database restarts mid-stream', () => {
  let database: PrivatePostgres;
  beforeAll(async () => {
    database = await PrivatePostgres.start();
  }, 60_000);
  const processes = faultProcesses(() => ({ env: { DATABASE_URL: database.url } }));
  afterAll(() => database?.remove());

  it('recording waits and loses nothing; commands answer UNAVAILABLE meanwhile; readiness goes 503 and back', async () => {
    const gateway = await processes.gateway();
    await processes.worker();
    const requestId = newRequestId('postgres-restart');
    const client = await RecoveringClient.connect([gateway.url], newUser(), requestId);
    expect(await client.start('a run across a database restart', demoContext({ steps: 14, stepDelayMs: 250 }))).toMatchObject({ ok: true });
    await client.until(() => client.messages.filter((m) => m.type === 'progress' && m.status === 'completed').length >= 3, 20_000, 'steps');

    const stoppedAt = Date.now();
    database.stop();
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
    database.boot();
    const backAt = Date.now();
    const readyAfterMs = await waitForReadiness(gateway.url, true);
    const seqAtReturn = client.lastSeq;
    await client.until(() => client.lastSeq > seqAtReturn, 30_000, 'the stream to resume');
    const resumedAt = Date.now();
    await client.waitForCompletion(60_000);
    const figures = await figuresOf(client, gateway.url);
    reportFault('Postgres restart mid-stream (private cluster stopped and started)', {
      ...figures,
      outageMs: backAt - stoppedAt,
      readinessDownAfterMs: unreadyAfterMs,
      slowestRefusalMs: Math.max(...Object.values(answers).map((a) => a.ms)),
      readyAfterDatabaseBackMs: readyAfterMs,
      streamResumedAfterDatabaseBackMs: resumedAt - backAt,
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
