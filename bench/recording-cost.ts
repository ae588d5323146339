import { randomBytes } from 'node:crypto';
import type { EventDraft } from '@app/contracts';
import { createDataSource, RequestStore, runMigrations } from '@app/persistence';
import { Client } from 'pg';

/**
 * `npm run bench:recording -- [--events N] [--batch B] [--requests R] [--output-requests R] [--output-bytes N] [--delta-bytes N]`
 *
 * The cost of recording an event against the length of its request, at the
 * store (no broker, no sockets): R requests grow to N events each, every
 * event a new step (the worst shape for a projection that grows), written in
 * batches of B events spread over the requests. For each tenth of the
 * requests' length it prints the time per batch and the bytes of WAL per
 * event: the write-ahead log counts every byte Postgres writes for it (the
 * event row, the projection rows, the request row, their indexes), so it
 * shows a rewrite that grows with the request without the noise of a timer.
 * Then the same for streamed output: R requests each grow one step's
 * output to N bytes (1 MiB) in deltas of a few bytes (10), and a snapshot
 * of one of them is read.
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
const OUTPUT_REQUESTS = flag('output-requests', 10);
const OUTPUT_BYTES = flag('output-bytes', 1024 * 1024);
const DELTA_BYTES = flag('delta-bytes', 10);
const ADMIN_DB_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Tenth {
  ms: number[];
  walBytes: number;
  cpuMs: number;
  events: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** One measured write path: `next()` gives the next batch, until `total` events were written. */
interface CostRun {
  title: string;
  /** Events each request gets (the tenths are tenths of this). */
  perRequest: number;
  total: number;
  next: (sent: number) => EventDraft[];
}

async function measure(store: RequestStore, wal: () => Promise<number>, run: CostRun): Promise<void> {
  const tenths: Tenth[] = Array.from({ length: 10 }, () => ({ ms: [], walBytes: 0, cpuMs: 0, events: 0 }));
  let sent = 0;
  console.log(`\n${run.title}`);
  while (sent < run.total) {
    const drafts = run.next(sent);
    sent += drafts.length;
    const tenth = tenths[Math.min(9, Math.floor(((sent - 1) / run.total) * 10))];
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
  console.log('share of each request | batch p50 ms | batch p99 ms | gateway-side CPU µs/event | WAL bytes/event');
  tenths.forEach((t, i) => {
    const sorted = [...t.ms].sort((a, b) => a - b);
    const from = Math.round((i * run.perRequest) / 10);
    const to = Math.round(((i + 1) * run.perRequest) / 10);
    console.log(
      `events ${String(from + 1).padStart(6)}–${String(to).padEnd(6)} | ${percentile(sorted, 0.5).toFixed(1).padStart(11)} | ${percentile(sorted, 0.99).toFixed(1).padStart(12)} | ${((t.cpuMs * 1000) / t.events).toFixed(0).padStart(25)} | ${(t.walBytes / t.events).toFixed(0).padStart(15)}`,
    );
  });
  const [first, last] = [tenths[0], tenths[9]];
  const p50 = (t: Tenth) => percentile([...t.ms].sort((a, b) => a - b), 0.5);
  console.log(
    `last tenth / first tenth: batch time ${(p50(last) / p50(first)).toFixed(2)}×, CPU ${((last.cpuMs / last.events) / (first.cpuMs / first.events)).toFixed(2)}×, WAL ${((last.walBytes / last.events) / (first.walBytes / first.events)).toFixed(2)}×`,
  );
}

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
    const start = async (requestId: string) =>
      store.startRequest({ requestId, owner: 'bench', userQuery: 'recording cost' }, { type: 'status', requestId, eventId: `queued-${requestId}`, status: 'queued' });
    const wal = async () => Number((await dataSource.query(`SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS at`))[0].at);

    const ids = Array.from({ length: REQUESTS }, (_, i) => `cost-${i}`);
    for (const requestId of ids) await start(requestId);
    await measure(store, wal, {
      title: `recording ${EVENTS * REQUESTS} events: ${REQUESTS} requests × ${EVENTS} events, every event a new step, batches of ${BATCH}`,
      perRequest: EVENTS,
      total: EVENTS * REQUESTS,
      next: (sent) =>
        Array.from({ length: Math.min(BATCH, EVENTS * REQUESTS - sent) }, (_, i) => {
          const n = sent + i;
          const requestId = ids[n % REQUESTS];
          const step = Math.floor(n / REQUESTS) + 1;
          const data = { stepOrder: step, status: 'running', tool: 'web.search', note: 'x'.repeat(80) };
          return { type: 'progress', requestId, eventId: `e-${n}`, agent: 'executor-agent', step, status: 'running', data };
        }),
    });

    // A step's output (docs/protocol.md §1): each request's step 1 grows to OUTPUT_BYTES in DELTA_BYTES deltas.
    const outputIds = Array.from({ length: OUTPUT_REQUESTS }, (_, i) => `output-${i}`);
    for (const requestId of outputIds) await start(requestId);
    const deltas = Math.ceil(OUTPUT_BYTES / DELTA_BYTES);
    const delta = (n: number) => `${n % 10}`.repeat(DELTA_BYTES);
    await measure(store, wal, {
      title:
        `recording a ${(OUTPUT_BYTES / 2 ** 20).toFixed(2)} MiB output in ${DELTA_BYTES}-byte deltas: ${OUTPUT_REQUESTS} requests × ${deltas} output events, ` +
        `batches of ${BATCH} (${Math.max(1, Math.round(BATCH / OUTPUT_REQUESTS))} deltas per request per batch)`,
      perRequest: deltas,
      total: deltas * OUTPUT_REQUESTS,
      next: (sent) =>
        Array.from({ length: Math.min(BATCH, deltas * OUTPUT_REQUESTS - sent) }, (_, i) => {
          const n = sent + i;
          return { type: 'output', requestId: outputIds[n % OUTPUT_REQUESTS], eventId: `o-${n}`, agent: 'writer-agent', step: 1, delta: delta(Math.floor(n / OUTPUT_REQUESTS)) };
        }),
    });
    // What a rejoin then reads: the whole text of one request, assembled from its chunk rows.
    const reads: number[] = [];
    let kept = 0;
    for (let i = 0; i < 5; i++) {
      const startedAt = performance.now();
      const state = await store.getState(outputIds[0], undefined, 1000);
      reads.push(performance.now() - startedAt);
      kept = Buffer.byteLength(state.steps[0]?.output ?? '');
    }
    console.log(`snapshot of one request with that output (${kept} bytes kept, OUTPUT_MAX_BYTES default): getState p50 ${percentile(reads.sort((a, b) => a - b), 0.5).toFixed(1)} ms over 5 reads`);
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
