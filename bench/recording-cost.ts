import { randomBytes } from 'node:crypto';
import type { EventDraft } from '@app/contracts';
import { createDataSource, RequestStore, runMigrations } from '@app/persistence';
import { Client } from 'pg';

/**
 * `npm run bench:recording -- [--events N] [--batch B] [--requests R]`
 *
 * The cost of recording an event against the length of its request, at the
 * store (no broker, no sockets): R requests grow to N events each, every
 * event a new step (the worst shape for a projection that grows), written in
 * batches of B events spread over the requests. For each tenth of the
 * requests' length it prints the time per batch and the bytes of WAL per
 * event: the write-ahead log counts every byte Postgres writes for it (the
 * event row, the projection rows, the request row, their indexes), so it
 * shows a rewrite that grows with the request without the noise of a timer.
 * Runs against a database of its own, dropped at the end.
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const EVENTS = flag('events', 5000);
const BATCH = flag('batch', 100);
const REQUESTS = flag('requests', 10);
const ADMIN_DB_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Tenth {
  ms: number[];
  walBytes: number;
  cpuMs: number;
  events: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const database = `agent_stream_recording_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(ADMIN_DB_URL);
  url.pathname = `/${database}`;
  const dataSource = createDataSource(url.toString());
  try {
    await dataSource.initialize();
    await runMigrations(dataSource);
    const store = new RequestStore(dataSource);
    const ids = Array.from({ length: REQUESTS }, (_, i) => `cost-${i}`);
    for (const requestId of ids) {
      await store.startRequest({ requestId, owner: 'bench', userQuery: 'recording cost' }, { type: 'status', requestId, eventId: `queued-${requestId}`, status: 'queued' });
    }
    const wal = async () => Number((await dataSource.query(`SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS at`))[0].at);
    const tenths: Tenth[] = Array.from({ length: 10 }, () => ({ ms: [], walBytes: 0, cpuMs: 0, events: 0 }));
    const total = EVENTS * REQUESTS;
    let sent = 0;
    console.log(`recording ${total} events: ${REQUESTS} requests × ${EVENTS} events, every event a new step, batches of ${BATCH}`);
    while (sent < total) {
      const drafts: EventDraft[] = [];
      for (let i = 0; i < BATCH && sent < total; i++, sent++) {
        const requestId = ids[sent % REQUESTS];
        const step = Math.floor(sent / REQUESTS) + 1;
        const data = { stepOrder: step, status: 'running', tool: 'web.search', note: 'x'.repeat(80) };
        drafts.push({ type: 'progress', requestId, eventId: `e-${sent}`, agent: 'executor-agent', step, status: 'running', data });
      }
      const tenth = tenths[Math.min(9, Math.floor(((sent - 1) / total) * 10))];
      const walBefore = await wal();
      const cpuBefore = process.cpuUsage();
      const startedAt = performance.now();
      await store.recordBatch(drafts);
      tenth.ms.push(performance.now() - startedAt);
      const cpu = process.cpuUsage(cpuBefore);
      tenth.cpuMs += (cpu.user + cpu.system) / 1000;
      tenth.walBytes += (await wal()) - walBefore;
      tenth.events += drafts.length;
    }
    console.log('\nshare of each request | batch p50 ms | batch p99 ms | gateway-side CPU µs/event | WAL bytes/event');
    tenths.forEach((t, i) => {
      const sorted = [...t.ms].sort((a, b) => a - b);
      const from = Math.round((i * EVENTS) / 10);
      const to = Math.round(((i + 1) * EVENTS) / 10);
      console.log(
        `events ${String(from + 1).padStart(6)}–${String(to).padEnd(6)} | ${percentile(sorted, 0.5).toFixed(1).padStart(11)} | ${percentile(sorted, 0.99).toFixed(1).padStart(12)} | ${((t.cpuMs * 1000) / t.events).toFixed(0).padStart(25)} | ${(t.walBytes / t.events).toFixed(0).padStart(15)}`,
      );
    });
    const [first, last] = [tenths[0], tenths[9]];
    const p50 = (t: Tenth) => percentile([...t.ms].sort((a, b) => a - b), 0.5);
    console.log(
      `\nlast tenth / first tenth: batch time ${(p50(last) / p50(first)).toFixed(2)}×, CPU ${((last.cpuMs / last.events) / (first.cpuMs / first.events)).toFixed(2)}×, WAL ${((last.walBytes / last.events) / (first.walBytes / first.events)).toFixed(2)}×`,
    );
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: Error) => {
  console.error(`bench:recording failed: ${error.message}`);
  process.exit(1);
});
