import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { EventDraft } from '@app/contracts';
import { createDataSource, RecordingThread, RequestStore, runMigrations, type BatchRecorder } from '@app/persistence';
import type { DataSource } from 'typeorm';
import { progress, queued, rid } from './drafts';

const completed = (requestId: string): EventDraft => ({ type: 'request.completed', requestId, eventId: randomUUID(), status: 'completed', result: { ok: true } });

/** Blocks this thread (no timer, no I/O callback, no promise runs) for `ms`. */
const blockFor = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('RecordingThread (Postgres)', () => {
  const databaseUrl = process.env.DATABASE_URL as string;
  let dataSource: DataSource;
  let store: RequestStore;
  let thread: RecordingThread;

  beforeAll(async () => {
    if (!databaseUrl) throw new Error('DATABASE_URL is not set: run through the e2e jest project');
    dataSource = createDataSource(databaseUrl);
    await dataSource.initialize();
    await runMigrations(dataSource);
    store = new RequestStore(dataSource);
    thread = new RecordingThread({ databaseUrl, outputMaxBytes: 1024 * 1024, connections: 3 });
    await thread.onModuleInit();
  });

  afterAll(async () => {
    await thread?.onApplicationShutdown();
    await dataSource?.destroy();
  });

  async function started(): Promise<string> {
    const requestId = rid();
    await store.startRequest({ requestId, owner: 'alice', userQuery: 'find flights' }, queued(requestId));
    return requestId;
  }

  /** last_seq as another process sees it, read while this thread's event loop does not turn. */
  const lastSeqSeenFromOutside = (requestId: string): string =>
    execFileSync('psql', [databaseUrl, '-Atc', `SELECT last_seq FROM requests WHERE id = '${requestId}'`], { encoding: 'utf8' }).trim();

  /** Hands a batch over, then blocks this thread until another process sees it recorded (or `ms` passed); what it saw. */
  function recordWhileBlocked(recorder: BatchRecorder, requestId: string, ms: number): { seen: string; pending: Promise<unknown> } {
    const pending = recorder.recordBatch([progress(requestId, 1)]);
    const deadline = Date.now() + ms;
    let seen = lastSeqSeenFromOutside(requestId);
    while (seen !== '2' && Date.now() < deadline) {
      blockFor(50);
      seen = lastSeqSeenFromOutside(requestId);
    }
    return { seen, pending };
  }

  it('records a batch as the store does: seqs, duplicates, unknown requests and events after the end come back whole', async () => {
    const requestId = await started();
    const unknown = rid();
    const first = progress(requestId, 1);
    const result = await thread.recordBatch([first, progress(requestId, 2), progress(unknown, 1), completed(requestId)]);
    expect(result.recorded.map((m) => [m.type, m.seq])).toEqual([['progress', 2], ['progress', 3], ['request.completed', 4]]);
    expect(result.unknownRequestIds).toEqual(new Set([unknown]));
    expect(await store.listEvents(requestId, 0, 10)).toEqual([expect.objectContaining({ seq: 1 }), ...result.recorded]);

    const again = await thread.recordBatch([first, progress(requestId, 3)]);
    expect(again.recorded).toEqual([]);
    expect(again.duplicates).toEqual([result.recorded[0]]);
    expect(again.afterEnd).toEqual([expect.objectContaining({ requestId, step: 3 })]);
  });

  it("commits a batch while the event loop that handed it over is blocked (socket writes there cannot hold it back); on that loop it could not", async () => {
    const onThread = recordWhileBlocked(thread, await started(), 10_000);
    expect(onThread.seen).toBe('2');
    await onThread.pending;

    // The same batch recorded on this event loop: not a statement leaves while the loop is blocked.
    const inline = await started();
    const onLoop = recordWhileBlocked(store, inline, 1000);
    expect(onLoop.seen).toBe('1');
    await onLoop.pending;
    expect(lastSeqSeenFromOutside(inline)).toBe('2');
  });

  it('fails the batches a thread held when it ends, and records the next batch on a new one', async () => {
    const requestId = await started();
    // The thread ends the hard way (as if it crashed): what it held fails, nothing hangs.
    const { worker } = await (thread as unknown as { thread: Promise<{ worker: Worker }> }).thread;
    const held = thread.recordBatch([progress(requestId, 1)]);
    await worker.terminate();
    await held.then(
      () => undefined, // it may have finished before the end
      (error: Error) => expect(error.message).toMatch(/recording thread ended/),
    );
    const next = await thread.recordBatch([progress(requestId, 2)]);
    expect(next.recorded).toEqual([expect.objectContaining({ step: 2 })]);
    // A held batch may have committed although its thread ended first (as in a crash): the log is gap-free either way.
    const log = await store.listEvents(requestId, 0, 10);
    expect(log.map((m) => m.seq)).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
    expect(log.length === 2 || log.length === 3).toBe(true);
  });

  it('a thread whose database cannot be reached fails the batch with the reason', async () => {
    const unreachable = new RecordingThread({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere', outputMaxBytes: 1024, connections: 1 });
    try {
      await expect(unreachable.recordBatch([progress(rid(), 1)])).rejects.toThrow(/ECONNREFUSED|connect/);
    } finally {
      await unreachable.onApplicationShutdown();
    }
  });
});
