import { randomUUID } from 'node:crypto';
import { applyEvent, emptyProjection, foldWithin, type EventDraft } from '@app/contracts';
import { createDataSource, RequestStore, runMigrations } from '@app/persistence';
import type { DataSource } from 'typeorm';

const rid = () => `req-${randomUUID()}`;
const output = (requestId: string, delta: string, step = 1, agent = 'writer'): EventDraft => ({ type: 'output', requestId, eventId: randomUUID(), agent, step, delta });

/** Steps' output in the store (docs/protocol.md §1 `state.steps[].output`), against the fold of the log. */
describe('RequestStore: step output (Postgres)', () => {
  let dataSource: DataSource;
  let store: RequestStore;
  /** A store whose OUTPUT_MAX_BYTES is 10. */
  let limited: RequestStore;

  beforeAll(async () => {
    dataSource = createDataSource(process.env.DATABASE_URL!);
    await dataSource.initialize();
    await runMigrations(dataSource);
    store = new RequestStore(dataSource);
    limited = new RequestStore(dataSource, { OUTPUT_MAX_BYTES: 10 });
  });
  afterAll(() => dataSource?.destroy());

  async function started(): Promise<string> {
    const requestId = rid();
    await store.startRequest({ requestId, owner: 'alice', userQuery: 'write' }, { type: 'status', requestId, eventId: randomUUID(), status: 'queued' });
    return requestId;
  }

  it('records each delta as an output message and puts the concatenated text in the snapshot, step first seen running', async () => {
    const id = await started();
    const deltas = ['Hel', 'lo', ', wö', 'rld 😀', '\u0000nul kept'];
    // Batches of one and of several: the text must not depend on how deltas were batched.
    await store.recordBatch([output(id, deltas[0])]);
    const { recorded } = await store.recordBatch(deltas.slice(1, 4).map((d) => output(id, d)));
    expect(recorded.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(recorded[0]).toEqual({ type: 'output', requestId: id, seq: 3, ts: expect.any(String), agent: 'writer', step: 1, delta: 'lo' });
    await store.recordBatch([output(id, deltas[4]), output(id, 'second step', 2)]);

    const state = await store.getState(id, undefined, 1000);
    expect(state.steps).toEqual([
      { agent: 'writer', step: 1, status: 'running', output: deltas.join('') },
      { agent: 'writer', step: 2, status: 'running', output: 'second step' },
    ]);
    expect(state.status).toBe('running');
    const log = await store.listEvents(id, 0, 100);
    expect(log.reduce(applyEvent, emptyProjection()).steps).toEqual(state.steps);
  });

  it('a progress of the step keeps its text; the status follows progress, the text follows output', async () => {
    const id = await started();
    await store.recordBatch([output(id, 'draft ')]);
    await store.recordBatch([
      { type: 'progress', requestId: id, eventId: randomUUID(), agent: 'writer', step: 1, status: 'completed', data: { stepOrder: 1, status: 'completed', result: 'ok' } },
      output(id, 'final'),
    ]);
    expect((await store.getState(id, undefined, 10)).steps).toEqual([{ agent: 'writer', step: 1, status: 'completed', result: 'ok', output: 'draft final' }]);
  });

  it('past OUTPUT_MAX_BYTES the snapshot keeps the longest prefix of whole characters and outputTruncated; the log keeps every delta', async () => {
    const id = await started();
    await limited.recordBatch([output(id, 'abcdefgh')]);
    await limited.recordBatch([output(id, '😀z'), output(id, 'more')]); // 8 + 4 bytes > 10: the emoji does not fit whole
    const state = await limited.getState(id, 0, 10);
    expect(state.steps).toEqual([{ agent: 'writer', step: 1, status: 'running', output: 'abcdefgh', outputTruncated: true }]);
    expect(state.events!.filter((m) => m.type === 'output').map((m) => (m as { delta: string }).delta)).toEqual(['abcdefgh', '😀z', 'more']);
    // The server's fold with the same limit, over the log, says the same.
    expect((await limited.listEvents(id, 0, 100)).reduce(foldWithin({ outputMaxBytes: 10 }), emptyProjection()).steps).toEqual(state.steps);
  });

  it('a redelivered delta is recorded once: the text holds it once', async () => {
    const id = await started();
    const first = output(id, 'once');
    await store.recordBatch([first]);
    const again = await store.recordBatch([first, output(id, '+next')]);
    expect(again.duplicates.map((m) => m.seq)).toEqual([2]);
    expect((await store.getState(id, undefined, 10)).steps[0].output).toBe('once+next');
  });

  it('writes a chunk per step and batch, never rewriting the text before it', async () => {
    const id = await started();
    for (let i = 0; i < 5; i++) await store.recordBatch([output(id, `${i}a`), output(id, `${i}b`)]);
    const chunks: Array<{ chunk: Buffer }> = await dataSource.query('SELECT chunk FROM request_step_output WHERE request_id = $1 ORDER BY seq', [id]);
    expect(chunks.map((c) => c.chunk.toString('utf8'))).toEqual(['0a0b', '1a1b', '2a2b', '3a3b', '4a4b']);
    const [row] = await dataSource.query('SELECT output_bytes, summary::text AS summary FROM request_steps WHERE request_id = $1', [id]);
    expect(row).toEqual({ output_bytes: 20, summary: JSON.stringify({ agent: 'writer', step: 1, status: 'running' }) });
  });
});
