import { randomUUID } from 'node:crypto';
import type { EventDraft, RecordedMessage } from '@app/contracts';
import { applyEvent, emptyProjection } from '@app/contracts';
import { createDataSource, InitialSchema1764200000000, PERSISTENCE_MIGRATIONS, RequestStore, runMigrations } from '@app/persistence';
import type { DataSource } from 'typeorm';
import { eid, progress, queued, rid } from './drafts';

const question = (requestId: string, questionId: string): EventDraft => ({
  type: 'question',
  requestId,
  eventId: eid(),
  agent: 'planner',
  questionId,
  prompt: 'Which region?',
  options: ['eu', 'us'],
});

describe('RequestStore (Postgres)', () => {
  let dataSource: DataSource;
  let store: RequestStore;

  beforeAll(async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set: run through the e2e jest project');
    dataSource = createDataSource(url);
    await dataSource.initialize();
    await runMigrations(dataSource);
    store = new RequestStore(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  describe('runMigrations', () => {
    // A schema of its own: the race must start from nothing, whichever test file migrated the database first.
    const schema = `migrate_${randomUUID().replace(/-/g, '')}`;
    const inSchema = () => {
      const url = new URL(process.env.DATABASE_URL as string);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return createDataSource(url.toString());
    };

    afterAll(async () => {
      await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });

    it('lets one of several instances starting together migrate, the others wait and find nothing to do', async () => {
      await dataSource.query(`CREATE SCHEMA ${schema}`);
      const instances = [inSchema(), inSchema(), inSchema()];
      await Promise.all(instances.map((ds) => ds.initialize()));
      try {
        const applied = await Promise.all(instances.map((ds) => runMigrations(ds)));
        expect(applied.map((list) => list.length).sort()).toEqual([0, 0, PERSISTENCE_MIGRATIONS.length]);
        const rows = await instances[0].query(`SELECT name FROM migrations ORDER BY id`);
        expect(rows.map((m: { name: string }) => m.name)).toEqual(PERSISTENCE_MIGRATIONS.map((M) => new M().name));
        const tables = await instances[0].query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema]);
        expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual([
          'gateway_instances', 'migrations', 'request_agents', 'request_events', 'request_questions', 'request_step_output', 'request_steps', 'request_watchers', 'requests',
        ]);
        expect(await runMigrations(instances[1])).toEqual([]);
      } finally {
        await Promise.all(instances.map((ds) => ds.destroy()));
      }
    });
  });

  async function started(requestId = rid()): Promise<string> {
    await store.startRequest({ requestId, owner: 'alice', userQuery: 'find flights', context: { locale: 'en' } }, queued(requestId));
    return requestId;
  }

  async function lastSeqOf(requestId: string): Promise<number> {
    return (await store.findRequest(requestId))!.lastSeq;
  }

  async function seqsOf(requestId: string): Promise<number[]> {
    return (await store.listEvents(requestId, 0, 100_000)).map((m) => m.seq);
  }

  describe('startRequest', () => {
    it('creates the request once and records the queued event as seq 1', async () => {
      const requestId = rid();
      const first = await store.startRequest({ requestId, owner: 'alice', userQuery: 'find flights', context: { a: 1 } }, queued(requestId));

      expect(first.created).toBe(true);
      expect(first.request).toMatchObject({ requestId, owner: 'alice', status: 'queued', lastSeq: 1 });
      expect(await store.findRequest(requestId)).toMatchObject({ userQuery: 'find flights', context: { a: 1 } });
      expect(first.recorded).toEqual([{ type: 'status', requestId, seq: 1, ts: expect.any(String), status: 'queued' }]);
      expect(Object.keys(first.recorded[0])).toEqual(['type', 'requestId', 'seq', 'ts', 'status']);
      expect(first.recorded[0].ts).toBe(first.request.updatedAt.toISOString());

      const again = await store.startRequest({ requestId, owner: 'mallory', userQuery: 'other', context: {} }, queued(requestId));
      expect(again.created).toBe(false);
      expect(again.recorded).toEqual([]);
      expect(again.request).toEqual(first.request);
      expect(await seqsOf(requestId)).toEqual([1]);
    });

    it('creates exactly once when started concurrently', async () => {
      const requestId = rid();
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.startRequest({ requestId, owner: 'alice', userQuery: 'q' }, queued(requestId))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await seqsOf(requestId)).toEqual([1]);
      expect((await store.findRequest(requestId))?.context).toEqual({});
    });
  });

  describe('recordBatch', () => {
    it('assigns gap-free seqs after the queued event, in input order per request', async () => {
      const a = await started();
      const b = await started();
      const drafts = [progress(a, 1), progress(b, 1), progress(a, 2), progress(b, 2), progress(a, 3)];

      const { recorded, duplicates, unknownRequestIds } = await store.recordBatch(drafts);

      expect(recorded.map((m) => [m.requestId, m.seq])).toEqual([[a, 2], [b, 2], [a, 3], [b, 3], [a, 4]]);
      expect(duplicates).toEqual([]);
      expect(unknownRequestIds.size).toBe(0);
      expect(new Set(recorded.map((m) => m.ts)).size).toBe(1);
      expect(recorded[0]).toEqual({
        type: 'progress', requestId: a, seq: 2, ts: recorded[0].ts, agent: 'researcher', step: 1, status: 'running', data: { stepOrder: 1, note: 'step 1' },
      });
      expect(await seqsOf(a)).toEqual([1, 2, 3, 4]);
      expect(await seqsOf(b)).toEqual([1, 2, 3]);

      const row = await store.findRequest(a);
      expect(row).toMatchObject({ lastSeq: 4, status: 'running' });
      expect((await store.getState(a, undefined, 10)).steps.map((s) => s.step)).toEqual([1, 2, 3]);
      expect(row?.updatedAt.toISOString()).toBe(recorded[0].ts);
    });

    it('returns events recorded by an earlier batch as duplicates, with their old seq and ts', async () => {
      const requestId = await started();
      const repeated = progress(requestId, 1);
      const [earlier] = (await store.recordBatch([repeated])).recorded;

      const second = await store.recordBatch([progress(requestId, 2), { ...repeated }, progress(requestId, 3)]);

      expect(second.duplicates).toEqual([earlier]);
      expect(second.recorded.map((m) => m.seq)).toEqual([3, 4]);
      expect(await seqsOf(requestId)).toEqual([1, 2, 3, 4]);
    });

    it('de-duplicates within one batch (first copy wins) and per request only', async () => {
      const a = await started();
      const b = await started();
      const shared = eid();
      const { recorded, duplicates } = await store.recordBatch([
        progress(a, 1, shared),
        { ...progress(a, 99, shared) },
        progress(b, 1, shared), // same eventId, other request: a different event
      ]);
      expect(recorded.map((m) => [m.requestId, m.seq])).toEqual([[a, 2], [b, 2]]);
      expect(recorded[0]).toMatchObject({ step: 1 });
      expect(duplicates).toEqual([]);
    });

    it('reports unknown requests and records the rest', async () => {
      const known = await started();
      const missing = rid();
      const { recorded, unknownRequestIds } = await store.recordBatch([progress(missing, 1), progress(known, 1), progress(missing, 2)]);
      expect([...unknownRequestIds]).toEqual([missing]);
      expect(recorded.map((m) => m.requestId)).toEqual([known]);
      expect(await store.findRequest(missing)).toBeNull();
    });

    it('records nothing for a request after its request.completed, in this batch or a later one', async () => {
      const requestId = await started();
      const completed: EventDraft = { type: 'request.completed', requestId, eventId: eid(), status: 'cancelled' };
      const late = progress(requestId, 2);
      const first = await store.recordBatch([progress(requestId, 1), completed, late]);
      expect(first.recorded.map((m) => m.type)).toEqual(['progress', 'request.completed']);
      expect(first.afterEnd).toEqual([late]);
      const later = progress(requestId, 3);
      const second = await store.recordBatch([later]);
      expect(second.recorded).toEqual([]);
      expect(second.afterEnd).toEqual([later]);
      expect((await store.findRequest(requestId))?.lastSeq).toBe(3);
    });

    it('folds events into the projection: a question makes the request wait', async () => {
      const requestId = await started();
      await store.recordBatch([progress(requestId, 1), question(requestId, 'q-1')]);

      const state = await store.getState(requestId, undefined, 100);
      expect(state).toMatchObject({
        seq: 3,
        status: 'waiting',
        agents: [{ agent: 'researcher', status: 'running' }],
        pendingQuestions: [{ agent: 'planner', questionId: 'q-1', prompt: 'Which region?', options: ['eu', 'us'] }],
      });
      expect(state).not.toHaveProperty('askedQuestionIds');
      const asked = await dataSource.query(`SELECT question_id, pending FROM request_questions WHERE request_id = $1`, [requestId]);
      expect(asked).toEqual([{ question_id: 'q-1', pending: true }]);
    });

    it('stores status and request.completed with a null agent and rebuilds them as recorded', async () => {
      const requestId = await started();
      const { recorded } = await store.recordBatch([
        { type: 'request.completed', requestId, eventId: eid(), status: 'completed', result: { answer: 42 } },
      ]);
      const [agentColumn] = await dataSource.query(`SELECT agent FROM request_events WHERE request_id = $1 AND seq = 2`, [requestId]);
      expect(agentColumn.agent).toBeNull();
      const [readBack] = await store.listEvents(requestId, 1, 10);
      expect(readBack).toEqual(recorded[0]);
      expect(Object.keys(readBack)).toEqual(Object.keys(recorded[0]));
      expect(await store.getState(requestId, undefined, 10)).toMatchObject({ status: 'completed', result: { answer: 42 } });
    });

    it('records 5,000 events in one batch', async () => {
      const ids = await Promise.all(Array.from({ length: 10 }, () => started()));
      const drafts = Array.from({ length: 5000 }, (_, i) => progress(ids[i % ids.length], (Math.floor(i / ids.length) % 20) + 1));

      const startedAt = performance.now();
      const { recorded } = await store.recordBatch(drafts);
      const elapsed = performance.now() - startedAt;
      console.log(`recordBatch of 5,000 events over 10 requests: ${elapsed.toFixed(0)} ms`);

      expect(recorded).toHaveLength(5000);
      for (const id of ids) expect(await seqsOf(id)).toEqual(Array.from({ length: 501 }, (_, i) => i + 1));
    });
  });

  describe('the projection rows', () => {
    /** A long, tangled run: agents and steps revisited, errors, questions asked, re-asked and answered. */
    function tangledRun(requestId: string): EventDraft[][] {
      const batches: EventDraft[][] = [];
      let n = 0;
      const next = () => `e-${n++}`;
      for (let b = 0; b < 12; b++) {
        const batch: EventDraft[] = [];
        for (let i = 0; i < 15; i++) {
          const agent = ['planner', 'executor', 'critic'][(b + i) % 3];
          const step = ((b * 7 + i * 3) % 11) + 1;
          const k = (b * 15 + i) % 9;
          if (k === 0) batch.push({ type: 'error', requestId, eventId: next(), agent, message: `boom ${b}`, ...(i % 2 ? { step } : {}) });
          else if (k === 1) batch.push({ type: 'agent.completed', requestId, eventId: next(), agent, data: { b, i } });
          else if (k === 2) batch.push({ type: 'question', requestId, eventId: next(), agent, questionId: `q-${b % 4}`, prompt: `ask ${b}` });
          else if (k === 3) batch.push({ type: 'status', requestId, eventId: next(), status: 'running', reason: 'question answered', questionId: `q-${(b + 1) % 4}` });
          else {
            const status = (['running', 'completed', 'failed'] as const)[k % 3];
            const data = { stepOrder: step, status, ...(k === 5 ? { tool: { name: `t${b}` } } : {}), ...(k === 6 ? { result: null, stepId: `s${step}` } : {}) };
            batch.push({ type: 'progress', requestId, eventId: next(), agent, step, status, data });
          }
        }
        batches.push(batch);
      }
      batches.push([{ type: 'request.completed', requestId, eventId: next(), status: 'failed', error: { reason: 'tangled' }, result: null }]);
      return batches;
    }

    it('state equals the fold of the whole log, batch after batch', async () => {
      const requestId = await started();
      for (const batch of tangledRun(requestId)) {
        await store.recordBatch(batch);
        const log = await store.listEvents(requestId, 0, 100_000);
        const folded = log.reduce(applyEvent, emptyProjection());
        const state = await store.getState(requestId, undefined, 10);
        expect({ status: state.status, agents: state.agents, steps: state.steps, pendingQuestions: state.pendingQuestions, result: state.result, error: state.error })
          .toEqual({ status: folded.status, agents: folded.agents, steps: folded.steps, pendingQuestions: folded.pendingQuestions, result: folded.result, error: folded.error });
        expect(state.seq).toBe(log.length);
      }
      expect((await store.getState(requestId, undefined, 10)).error).toEqual({ reason: 'tangled' });
      expect(await store.getState(requestId, undefined, 10)).toHaveProperty('result', null);
    });

    it('an event rewrites only the rows it names, however many the request has', async () => {
      const requestId = await started();
      await store.recordBatch(Array.from({ length: 300 }, (_, i) => progress(requestId, i + 1)));
      const versions = async () =>
        new Map<number, string>(
          (await dataSource.query(`SELECT step, xmin::text AS v FROM request_steps WHERE request_id = $1`, [requestId])).map((r: { step: number; v: string }) => [r.step, r.v]),
        );
      const before = await versions();
      await store.recordBatch([progress(requestId, 150), progress(requestId, 301)]);
      const after = await versions();
      const rewritten = [...after].filter(([step, v]) => before.get(step) !== v).map(([step]) => step);
      expect(rewritten.sort((a, b) => a - b)).toEqual([150, 301]);
    });
  });

  describe('the migration to projection rows', () => {
    const schema = `convert_${randomUUID().replace(/-/g, '')}`;
    const inSchema = (migrations: unknown[]) => {
      const url = new URL(process.env.DATABASE_URL as string);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return new (dataSource.constructor as typeof DataSource)({ ...createDataSource(url.toString()).options, migrations } as never);
    };
    afterAll(async () => {
      await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });

    it('converts existing projection documents into rows that read back as the same state', async () => {
      await dataSource.query(`CREATE SCHEMA ${schema}`);
      const old = inSchema([InitialSchema1764200000000]);
      await old.initialize();
      const projection = {
        status: 'waiting',
        agents: [{ agent: 'b', status: 'failed', data: { x: '\u0000' } }, { agent: 'a', status: 'running' }],
        steps: [{ agent: 'b', step: 2, status: 'completed', tool: 't' }, { agent: 'b', step: 1.5, status: 'failed', error: 'e' }],
        pendingQuestions: [{ agent: 'a', questionId: 'q2', prompt: 'p2' }, { agent: 'a', questionId: 'q1', prompt: 'p1', options: ['x'] }],
        askedQuestionIds: ['q0', 'q1', 'q2'],
        result: null,
      };
      try {
        await runMigrations(old);
        await old.query(
          `INSERT INTO requests (id, owner, status, user_query, last_seq, projection) VALUES ('old-1', 'alice', 'waiting', 'q', 7, $1::json)`,
          [JSON.stringify(projection)],
        );
      } finally {
        await old.destroy();
      }
      const current = inSchema(PERSISTENCE_MIGRATIONS);
      await current.initialize();
      try {
        // Every migration after the initial one, in order (later ones too: they must run over the converted rows).
        expect((await runMigrations(current)).map((m) => m.name)).toEqual(PERSISTENCE_MIGRATIONS.slice(1).map((M) => new M().name));
        const state = await new RequestStore(current).getState('old-1', undefined, 10);
        expect(state).toMatchObject({ seq: 7, status: 'waiting', agents: projection.agents, steps: projection.steps, pendingQuestions: projection.pendingQuestions, result: null });
        expect(state).not.toHaveProperty('error');
        const asked = await current.query(`SELECT question_id, pending FROM request_questions ORDER BY question_id`);
        expect(asked).toEqual([{ question_id: 'q0', pending: false }, { question_id: 'q1', pending: true }, { question_id: 'q2', pending: true }]);
      } finally {
        await current.destroy();
      }
    });
  });

  describe('transition', () => {
    it('records what decide returns and gives back the row as it was before', async () => {
      const requestId = await started();
      let seen: unknown;
      const result = await store.transition(requestId, (request) => {
        seen = request;
        return [{ type: 'status', requestId, eventId: eid(), status: 'cancelling', reason: 'user' }];
      });
      expect(seen).toMatchObject({ requestId, lastSeq: 1, status: 'queued' });
      expect(result?.request).toMatchObject({ requestId, lastSeq: 1, status: 'queued' });
      expect(result?.recorded).toEqual([{ type: 'status', requestId, seq: 2, ts: expect.any(String), status: 'cancelling', reason: 'user' }]);
      expect(await store.findRequest(requestId)).toMatchObject({ lastSeq: 2, status: 'cancelling' });
    });

    it('records nothing for an empty decision, and returns null for a missing request', async () => {
      const requestId = await started();
      expect(await store.transition(requestId, () => [])).toMatchObject({ recorded: [] });
      expect(await seqsOf(requestId)).toEqual([1]);
      const decide = jest.fn(() => []);
      expect(await store.transition(rid(), decide)).toBeNull();
      expect(decide).not.toHaveBeenCalled();
    });

    it('rolls back and rethrows the same error when decide throws', async () => {
      const requestId = await started();
      const before = await store.findRequest(requestId);
      const failure = new Error('conflict');
      await expect(
        store.transition(requestId, (request) => {
          request.status = 'failed'; // a copy: must not leak
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.findRequest(requestId)).toEqual(before);
      expect(await seqsOf(requestId)).toEqual([1]);
    });

    it('rolls back when recording fails half-way', async () => {
      const requestId = await started();
      const duplicateId = eid();
      await store.recordBatch([progress(requestId, 1, duplicateId)]);
      // transition does not de-duplicate: the unique constraint refuses and nothing stays.
      await expect(store.transition(requestId, () => [progress(requestId, 2), progress(requestId, 3, duplicateId)])).rejects.toThrow();
      expect(await seqsOf(requestId)).toEqual([1, 2]);
      expect((await store.findRequest(requestId))?.lastSeq).toBe(2);
    });
  });

  describe('concurrency', () => {
    it('never duplicates or skips a seq under 20 parallel writers on the same requests', async () => {
      const a = await started();
      const b = await started();
      const calls: Array<Promise<RecordedMessage[]>> = [];
      for (let i = 0; i < 20; i++) {
        if (i % 4 === 3) {
          calls.push(store.transition(a, (r) => [{ type: 'status', requestId: a, eventId: eid(), status: r.status }]).then((t) => t?.recorded ?? []));
        } else {
          // Opposite request orders in the input: the sorted lock order keeps them from deadlocking.
          const pair = i % 2 === 0 ? [a, b] : [b, a];
          calls.push(store.recordBatch([progress(pair[0], i), progress(pair[1], i), progress(pair[0], i + 100)]).then((r) => r.recorded));
        }
      }
      const recorded = (await Promise.all(calls)).flat();

      for (const id of [a, b]) {
        const mine = recorded.filter((m) => m.requestId === id).map((m) => m.seq).sort((x, y) => x - y);
        const total = mine.length + 1;
        expect(mine).toEqual(Array.from({ length: total - 1 }, (_, i) => i + 2));
        expect(await seqsOf(id)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        expect((await store.findRequest(id))?.lastSeq).toBe(total);
        // Writers that lost the optimistic race wrote again under row locks: the rows still equal the fold of the log.
        const folded = (await store.listEvents(id, 0, 1000)).reduce(applyEvent, emptyProjection());
        const state = await store.getState(id, undefined, 10);
        expect({ status: state.status, agents: state.agents, steps: state.steps }).toEqual({ status: folded.status, agents: folded.agents, steps: folded.steps });
      }
    });
  });

  describe('the recording cache (a batch for requests it wrote reads nothing)', () => {
    /** The statements the store sends while `work` runs, by name (TypeORM's pg.Pool is the driver's `master`). */
    async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
      const pool = (dataSource.driver as unknown as { master: { query: (config: { name?: string; text: string }) => Promise<unknown> } }).master;
      const original = pool.query;
      const names: string[] = [];
      pool.query = function (this: unknown, config: { name?: string; text: string }) {
        names.push(config.name ?? config.text.trim().split(/\s+/)[0]);
        return original.call(this, config);
      } as typeof original;
      try {
        await work();
      } finally {
        pool.query = original;
      }
      return names;
    }

    async function expectRowsEqualTheFold(requestId: string): Promise<void> {
      const folded = (await store.listEvents(requestId, 0, 100_000)).reduce(applyEvent, emptyProjection());
      const state = await store.getState(requestId, undefined, 10);
      expect({ status: state.status, agents: state.agents, steps: state.steps, pendingQuestions: state.pendingQuestions }).toEqual({
        status: folded.status,
        agents: folded.agents,
        steps: folded.steps,
        pendingQuestions: folded.pendingQuestions,
      });
    }

    it('writes a batch for requests it recorded before in one statement, new steps included', async () => {
      const a = await started();
      const b = await started();
      expect(await statementsDuring(() => store.recordBatch([progress(a, 1), progress(b, 1)]))).toEqual(['agent-stream.read-touched', 'agent-stream.write-batch']);
      // Step 2 is new: the cache knows these requests had no rows but the ones it wrote.
      expect(await statementsDuring(() => store.recordBatch([progress(a, 1), progress(a, 2), progress(b, 2)]))).toEqual(['agent-stream.write-batch']);
      expect(await seqsOf(a)).toEqual([1, 2, 3, 4]);
      await expectRowsEqualTheFold(a);
      await expectRowsEqualTheFold(b);
    });

    it('records right whatever moved a request on since: a command, another gateway, a deletion', async () => {
      const requestId = await started();
      const otherGateway = new RequestStore(dataSource);
      const first = await store.recordBatch([progress(requestId, 1), question(requestId, 'q-1')]);
      // A command recorded elsewhere: the cached last_seq is stale, the guarded write fails, the batch is read again.
      await store.transition(requestId, () => [{ type: 'status', requestId, eventId: eid(), status: 'running', reason: 'question answered', questionId: 'q-1' }]);
      await store.recordBatch([progress(requestId, 2)]);
      // Another gateway records (a shard moved): this store's entry is stale again.
      await otherGateway.recordBatch([progress(requestId, 3), question(requestId, 'q-2')]);
      await store.recordBatch([progress(requestId, 4)]);
      await expectRowsEqualTheFold(requestId);
      expect((await store.getState(requestId, undefined, 10)).pendingQuestions.map((q) => q.questionId)).toEqual(['q-2']);
      expect(await seqsOf(requestId)).toEqual(Array.from({ length: await lastSeqOf(requestId) }, (_, i) => i + 1));
      // Deleted (retention, an undone start): its events are for an unknown request.
      await store.deleteRequest(requestId);
      const late = await store.recordBatch([progress(requestId, 6)]);
      expect([...late.unknownRequestIds]).toEqual([requestId]);
      expect(late.recorded).toEqual([]);
    });

    it('returns an event recorded before as a duplicate when the cache is current', async () => {
      const requestId = await started();
      const repeated = progress(requestId, 1);
      const [earlier] = (await store.recordBatch([repeated])).recorded;
      await store.recordBatch([progress(requestId, 2)]); // cached now
      const names = await statementsDuring(async () => {
        const result = await store.recordBatch([progress(requestId, 3), { ...repeated }]);
        expect(result.duplicates).toEqual([earlier]);
        expect(result.recorded.map((m) => m.seq)).toEqual([4]);
      });
      // The cached write was refused by the unique index, then the batch was read and written.
      expect(names).toEqual(['agent-stream.write-batch', 'agent-stream.read-touched', 'agent-stream.write-batch']);
      expect(await seqsOf(requestId)).toEqual([1, 2, 3, 4]);
      await expectRowsEqualTheFold(requestId);
    });
  });

  describe('getState', () => {
    it('describes a missing request as unknown', async () => {
      const requestId = rid();
      const bare = { type: 'state', requestId, seq: 0, status: 'unknown', agents: [], steps: [], pendingQuestions: [] };
      expect(await store.getState(requestId, undefined, 10)).toEqual(bare);
      expect(await store.getState(requestId, 5, 10)).toEqual({ ...bare, events: [] });
    });

    it('asks authorize about the owner before reading the snapshot, and passes its refusal on', async () => {
      const requestId = await started();
      const asked: string[] = [];
      const refusal = new Error('not yours');
      await expect(
        store.getState(requestId, 0, 10, (owner) => {
          asked.push(owner);
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(asked).toEqual([(await store.findRequest(requestId))!.owner]);
      await store.getState(rid(), 0, 10, () => asked.push('missing requests have no owner to ask'));
      expect(asked).toHaveLength(1);
    });

    it('gives the snapshot, and exactly the missed events when lastSeq is given', async () => {
      const requestId = await started();
      const { recorded } = await store.recordBatch([progress(requestId, 1), progress(requestId, 2), progress(requestId, 3)]);
      const row = await store.findRequest(requestId);

      const plain = await store.getState(requestId, undefined, 10);
      expect(plain).toEqual({
        type: 'state',
        requestId,
        seq: 4,
        status: 'running',
        userQuery: 'find flights',
        createdAt: row?.createdAt.toISOString(),
        updatedAt: row?.updatedAt.toISOString(),
        agents: [{ agent: 'researcher', status: 'running', data: { stepOrder: 3, note: 'step 3' } }],
        steps: [1, 2, 3].map((step) => ({ agent: 'researcher', step, status: 'running' })),
        pendingQuestions: [],
      });

      const missed = await store.getState(requestId, 2, 10);
      expect(missed.events).toEqual(recorded.slice(1));
      expect(missed.events?.map((m) => Object.keys(m))).toEqual(recorded.slice(1).map((m) => Object.keys(m)));
      expect(missed).not.toHaveProperty('truncated');
      expect((await store.getState(requestId, 4, 10)).events).toEqual([]);
      expect((await store.getState(requestId, 0, 10)).events?.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    });

    it('keeps only the last replayLimit events and says truncated', async () => {
      const requestId = await started();
      await store.recordBatch(Array.from({ length: 30 }, (_, i) => progress(requestId, i + 1)));

      const state = await store.getState(requestId, 3, 10);
      expect(state.seq).toBe(31);
      expect(state.truncated).toBe(true);
      expect(state.events?.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 22));

      const exact = await store.getState(requestId, 21, 10);
      expect(exact.events).toHaveLength(10);
      expect(exact).not.toHaveProperty('truncated');
    });

    it('lists events after a seq, ascending, up to a limit', async () => {
      const requestId = await started();
      await store.recordBatch(Array.from({ length: 5 }, (_, i) => progress(requestId, i + 1)));
      expect((await store.listEvents(requestId, 2, 2)).map((m) => m.seq)).toEqual([3, 4]);
      expect(await store.listEvents(rid(), 0, 10)).toEqual([]);
    });
  });

  it('deletes a request with its log', async () => {
    const requestId = await started();
    await store.recordBatch([progress(requestId, 1)]);
    expect(await store.deleteRequest(requestId)).toBe(true);
    expect(await store.findRequest(requestId)).toBeNull();
    expect(await store.listEvents(requestId, 0, 10)).toEqual([]);
    expect(await store.deleteRequest(requestId)).toBe(false);
    // The id is free again: a retried start records seq 1 anew.
    expect((await store.startRequest({ requestId, owner: 'alice', userQuery: 'again' }, queued(requestId))).recorded[0].seq).toBe(1);
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
