import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { RETENTION_LOCK_KEY } from '@app/persistence';
import { RetentionJob } from '../../apps/gateway/src/retention';
import { closeAll, connectAs, demoContext, newRequestId, newUser, startAgents, startGateway } from '../support/gateway-harness';
import { http } from '../support/admin-http';
import { expectGapFree, type StreamClient } from '../support/stream-client';

// The timer is set far out: the test runs the job itself, at the moments it chooses.
const RETENTION = { RETENTION_DAYS: '30', RETENTION_BATCH_SIZE: '2', RETENTION_INTERVAL_MS: '3600000' };

/** docs/protocol.md §3 retention: finished requests older than RETENTION_DAYS, and their events, are deleted. */
describe('retention', () => {
  let gateway: INestApplication;
  let agents: INestApplicationContext;
  let url: string;
  let db: Client;
  const saved = { ...process.env };
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    Object.assign(process.env, RETENTION);
    ({ app: gateway, url } = await startGateway());
    agents = await startAgents();
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await db?.end();
    await closeAll(agents, gateway);
    process.env = saved;
  });

  const owner = newUser('retention');
  async function start(demo: Record<string, number>): Promise<{ requestId: string; client: StreamClient }> {
    const client = await connectAs(url, owner);
    clients.push(client);
    const requestId = newRequestId('ret');
    await client.ack('start', { requestId, userQuery: 'keep me?', context: demoContext(demo) });
    return { requestId, client };
  }
  async function runToEnd(demo: Record<string, number>): Promise<string> {
    const { requestId, client } = await start(demo);
    await client.waitFor('request.completed', (m) => m.requestId === requestId);
    return requestId;
  }
  async function cancelledRun(): Promise<string> {
    const { requestId, client } = await start({ steps: 20, stepDelayMs: 200 });
    await client.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent');
    await http(url, `/admin/requests/${requestId}/cancel`, { method: 'POST' });
    await client.waitFor('request.completed', (m) => m.requestId === requestId);
    return requestId;
  }
  /** Makes requests look as if they last changed `days` ago. */
  async function age(requestIds: string[], days: number): Promise<void> {
    await db.query(
      `UPDATE requests SET created_at = now() - make_interval(days => $2 + 1), updated_at = now() - make_interval(days => $2) WHERE id = ANY($1)`,
      [requestIds, days],
    );
  }
  const existing = async (requestIds: string[]) =>
    (await db.query('SELECT id FROM requests WHERE id = ANY($1)', [requestIds])).rows.map((r) => r.id as string).sort();
  const eventCount = async (requestIds: string[]) =>
    Number((await db.query('SELECT count(*) FROM request_events WHERE request_id = ANY($1)', [requestIds])).rows[0].count);
  const job = () => gateway.get(RetentionJob);

  it('deletes only finished requests older than RETENTION_DAYS, with their events, in batches, while a run records', async () => {
    const oldFinished = [await runToEnd({ steps: 1 }), await runToEnd({ steps: 1 }), await runToEnd({ steps: 2, failAtStep: 1 }), await cancelledRun(), await runToEnd({ steps: 1 })];
    const waiting = await start({ steps: 2, askAtStep: 1, questionTimeoutMs: 60_000 });
    await waiting.client.waitFor('question', (m) => m.requestId === waiting.requestId);
    const recentFinished = await runToEnd({ steps: 1 });
    const almostOld = await runToEnd({ steps: 1 });
    await age([...oldFinished, waiting.requestId], 31);
    await age([almostOld], 29);
    expect(await eventCount(oldFinished)).toBeGreaterThan(oldFinished.length * 3);

    // A run recording events while the purge runs: it is neither blocked nor damaged.
    const live = await start({ steps: 15, stepDelayMs: 20 });
    const result = await job().runOnce();
    await live.client.waitFor('request.completed', (m) => m.requestId === live.requestId);

    expect(result).toEqual({ deleted: oldFinished.length, batches: Math.ceil(oldFinished.length / 2) });
    expect(await existing(oldFinished)).toEqual([]);
    expect(await eventCount(oldFinished)).toBe(0);
    expect(await existing([waiting.requestId, recentFinished, almostOld, live.requestId])).toEqual(
      [waiting.requestId, recentFinished, almostOld, live.requestId].sort(),
    );
    expectGapFree(live.client.seqs(live.requestId));
    expect(await job().runOnce()).toEqual({ deleted: 0, batches: 0 });
    await http(url, `/admin/requests/${waiting.requestId}/cancel`, { method: 'POST' });
  });

  it('a purged request answers as an unknown id: 404 on the admin API, state unknown on rejoin', async () => {
    const requestId = await runToEnd({ steps: 1 });
    await age([requestId], 40);
    expect((await job().runOnce())?.deleted).toBe(1);

    expect(await http(url, `/admin/requests/${requestId}`)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await http(url, `/admin/requests/${requestId}/events`)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const c = await connectAs(url, owner);
    clients.push(c);
    expect(await c.ack('rejoin', { requestId, lastSeq: 3 })).toEqual({ ok: true, seq: 0 });
    expect(c.states(requestId).at(-1)).toMatchObject({ status: 'unknown', seq: 0, events: [] });
  });

  it('never runs on two instances at once: while another holds the retention lock, nothing is deleted', async () => {
    const requestId = await runToEnd({ steps: 1 });
    await age([requestId], 40);
    const other = new Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [RETENTION_LOCK_KEY]);
      expect(await job().runOnce()).toBeNull();
      expect(await existing([requestId])).toEqual([requestId]);
      await other.query('SELECT pg_advisory_unlock($1::bigint)', [RETENTION_LOCK_KEY]);
      expect(await job().runOnce()).toEqual({ deleted: 1, batches: 1 });
    } finally {
      await other.end();
    }
  });
});
