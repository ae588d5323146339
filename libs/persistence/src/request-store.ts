import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppConfig } from '@app/config';
import {
  DEFAULT_OUTPUT_MAX_BYTES,
  isFinalStatus,
  withPlannedTitles,
  type AgentSummary,
  type EventDraft,
  type PendingQuestion,
  type RecordedMessage,
  type RecordedType,
  type RequestStatus,
  type StateMessage,
  type StepSummary,
} from '@app/contracts';
import { DataSource } from 'typeorm';
import { PgSessions, type Statement, type Tx } from './pg-session';
import { agentOf, messageOf, payloadOf, toRecordedMessage } from './recorded-message';
import { ProjectionSlice, type SliceChanges, type SliceRows, type StoredQuestion, type StoredStep, type StoredSummary } from './projection-slice';
import { mergeBatchResults, type BatchResult, type NewRequest, type QuestionState, type RequestHeader, type RequestRecord, type StartResult, type TransitionResult } from './request-record';
import { HEADER_COLUMNS, toHeader, type RequestRow } from './request-row';
import { forEachTouchedKey, RecordingCache, type CachedState } from './recording-cache';

interface FullRequestRow extends RequestRow {
  user_query: string;
  context: Record<string, unknown>;
}
interface StateRow extends RequestRow {
  user_query: string;
  /** json as text: SQL NULL (no result) must stay apart from a JSON null result. */
  result: string | null;
  error: string | null;
  agents: AgentSummary[];
  steps: StepSummary[];
  pending_questions: PendingQuestion[];
  /** Each step's output chunks concatenated (UTF-8, base64), for steps that have output. */
  outputs: Array<{ agent: string; step: number; text: string }>;
}

interface EventRow {
  request_id: string;
  seq: number;
  type: RecordedType;
  payload: Record<string, unknown>;
  recorded_at: Date;
}

const EVENT_COLUMNS = 'request_id, seq, type, payload, recorded_at';

function toMessage(row: EventRow): RecordedMessage {
  return toRecordedMessage(row.type, row.request_id, row.seq, row.recorded_at, row.payload);
}

const pairKey = (requestId: string, eventId: string) => `${requestId}\u0000${eventId}`;

/**
 * The request log and its projection: the only place with SQL. `seq` is
 * assigned by one writer at a time and a rollback leaves no gap: commands
 * lock the request rows they touch (`FOR UPDATE`); agent batches write only
 * if no request moved on since they were read, else again under those locks
 * (see recordDrafts). The projection behind `state`
 * is kept as a row per agent, step and question: a write reads and writes
 * only the rows its events name (see ProjectionSlice), so recording costs the
 * same for a request's 10,000th event as for its 10th.
 */
@Injectable()
export class RequestStore {
  private readonly sessions: PgSessions;
  /** What the ingest path last read and wrote of each request it records: lets a batch skip its read. */
  private readonly cache = new RecordingCache();
  /** Bytes of each step's output kept for `state` (OUTPUT_MAX_BYTES). */
  private readonly outputMaxBytes: number;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(AppConfig) config?: Pick<AppConfig, 'OUTPUT_MAX_BYTES'>,
  ) {
    this.sessions = new PgSessions(dataSource);
    this.outputMaxBytes = config?.OUTPUT_MAX_BYTES ?? DEFAULT_OUTPUT_MAX_BYTES;
  }

  /** Creates the request and records `firstEvent` (its `status: queued`) as seq 1; an existing id is returned untouched. */
  async startRequest(request: NewRequest, firstEvent: EventDraft): Promise<StartResult> {
    const { requestId, owner, userQuery, context = {} } = request;
    assertFor(requestId, [firstEvent]);
    return this.sessions.transaction(async (em) => {
      const now = new Date();
      const inserted = await em.query(
        `INSERT INTO requests (id, owner, status, user_query, context, last_seq, created_at, updated_at)
         VALUES ($1, $2, 'unknown', $3, $4::json, 0, $5, $5)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [requestId, owner, userQuery, JSON.stringify(context), now],
      );
      const [row] = await this.lock(em, [requestId]);
      if (!row) throw new Error(`request ${requestId} vanished while being started`);
      if (inserted.length === 0) return { created: false, request: row, recorded: [] };
      const { recorded, after } = await this.record(em, [row], [firstEvent], now);
      return { created: true, request: after.get(requestId) ?? row, recorded };
    });
  }

  /**
   * Locks the request, lets `decide` look at it and records what it returns.
   * null when there is no such request. An error thrown by `decide` or by
   * `beforeCommit` rolls back and reaches the caller as it was.
   * `beforeCommit` runs while the row is still locked: whatever it sets off
   * (a message to the agents) cannot be recorded ahead of these events, and
   * when it fails nothing was recorded, so the caller may retry.
   * With `questionId`, `decide` also learns whether that question is pending.
   */
  async transition(
    requestId: string,
    decide: (request: RequestHeader, question: QuestionState) => EventDraft[],
    beforeCommit?: (request: RequestHeader, recorded: RecordedMessage[]) => Promise<void>,
    options: { questionId?: string } = {},
  ): Promise<TransitionResult | null> {
    return this.sessions.transaction(async (em) => {
      const [row] = await this.lock(em, [requestId]);
      if (!row) return null;
      const question = options.questionId === undefined ? 'never asked' : await this.questionState(em, requestId, options.questionId);
      // decide gets a copy: whatever it does to it cannot leak into the write.
      const drafts = decide({ ...row }, question);
      assertFor(requestId, drafts);
      const { recorded } = await this.record(em, [row], drafts, new Date());
      await beforeCommit?.(row, recorded);
      return { request: row, recorded };
    });
  }

  /**
   * The ingest path: records a batch of agent events in one transaction.
   * Unknown requests and already-recorded (requestId, eventId) pairs are
   * reported, not recorded; within the batch the first copy of a pair wins.
   * A request ends once: events for it after its `request.completed` (a run
   * that went on after the gateway ended it, a second run) are returned in
   * `afterEnd`, not recorded.
   */
  async recordBatch(drafts: EventDraft[]): Promise<BatchResult> {
    // One statement for the whole batch (from the cache): the recorder writes two batches side by side
    // instead of splitting one over connections, which measured better (`npm run bench -- --quick --only a`:
    // p99 9.9 ms against 13.9 ms, Postgres 26 % of a core against 31 %).
    if (drafts.length === 0) return mergeBatchResults([]);
    return this.recordDrafts(drafts, new Date());
  }

  /**
   * From the cache first: no read at all, one guarded write (see
   * RecordingCache). Else optimistically: one read (the requests' rows, the
   * touched projection rows and the de-duplication probes, one snapshot) and
   * one guarded write, two round trips and no row lock. A guarded write fails
   * as a whole when any of its requests moved on since it was read (a command
   * recorded, the request deleted) or, from the cache, when an event was
   * recorded before: then the batch is read and written again, under row
   * locks after an optimistic failure.
   */
  private async recordDrafts(drafts: EventDraft[], now: Date): Promise<BatchResult> {
    const firstCopies = firstCopiesOf(drafts);
    const cached = this.cache.lookup(firstCopies);
    if (cached) {
      try {
        return await this.recordOnce(this.sessions, drafts, firstCopies, { source: 'cache', now: () => now, state: cached });
      } catch {
        this.cache.forget(cached.headers.map((h) => h.requestId));
      }
    }
    try {
      return await this.recordOnce(this.sessions, drafts, firstCopies, { source: 'read', now: () => now });
    } catch {
      // Whatever the cause: the locked attempt either records the batch or fails for good, with its own error.
      // Its time is taken once its rows are locked, so `ts` never goes backwards as `seq` goes up.
      return this.sessions.transaction((tx) => this.recordOnce(tx, drafts, firstCopies, { source: 'locked', now: () => new Date() }));
    }
  }

  private async recordOnce(
    q: Tx,
    drafts: EventDraft[],
    firstCopies: EventDraft[],
    options: { source: 'read' | 'locked'; now: () => Date } | { source: 'cache'; now: () => Date; state: CachedState },
  ): Promise<BatchResult> {
    const { source, now } = options;
    const requestIds = [...new Set(drafts.map((d) => d.requestId))];
    const { rows, earlier, slices } =
      options.source === 'cache'
        ? { rows: options.state.headers, earlier: new Map<string, RecordedMessage>(), slices: this.slicesOf(options.state.headers, options.state.rows) }
        : await this.readTouched(q, source === 'locked' ? { locked: await this.lock(q, requestIds) } : { readUnlocked: requestIds }, firstCopies, { withRecorded: true });

    const known = new Set(rows.map((r) => r.requestId));
    const unknownRequestIds = new Set(requestIds.filter((id) => !known.has(id)));
    const candidates = firstCopies.filter((d) => known.has(d.requestId));
    const duplicates = candidates.flatMap((d) => earlier.get(pairKey(d.requestId, d.eventId)) ?? []);
    const ended = new Set(rows.filter((r) => isFinalStatus(r.status)).map((r) => r.requestId));
    const fresh: EventDraft[] = [];
    const afterEnd: EventDraft[] = [];
    for (const draft of candidates) {
      if (earlier.has(pairKey(draft.requestId, draft.eventId))) continue;
      if (ended.has(draft.requestId)) afterEnd.push(draft);
      else fresh.push(draft);
      if (draft.type === 'request.completed') ended.add(draft.requestId);
    }
    const { recorded, after, changes } = await this.record(q, rows, fresh, now(), slices);
    if (source === 'locked') this.cache.forget(after.keys());
    else {
      const readSeq = new Map(rows.map((r) => [r.requestId, r.lastSeq]));
      const freshOf = new Map<string, EventDraft[]>();
      for (const d of fresh) freshOf.get(d.requestId)?.push(d) ?? freshOf.set(d.requestId, [d]);
      for (const [requestId, header] of after) {
        this.cache.remember(header, freshOf.get(requestId) ?? [], changes.get(requestId)!, readSeq.get(requestId)!, source);
      }
    }
    return { recorded, duplicates, unknownRequestIds, afterEnd };
  }

  /**
   * The `state` snapshot, read in one statement (one consistent view of the
   * request row and its agent, step and question rows). The replayed events
   * are bounded by the row's last_seq, so `events` ends exactly at the
   * snapshot's `seq`.
   */
  async getState(
    requestId: string,
    lastSeq: number | undefined,
    replayLimit: number,
    /** Runs on the row's owner before anything else is read; throw to refuse the read. */
    authorize: (owner: string) => void = () => undefined,
    /** Replayed events take at most about this many bytes (the newest ones are kept), so a long history is never all read. */
    replayMaxBytes = Infinity,
  ): Promise<StateMessage> {
    const rows = await this.sessions.query<StateRow>(STATE_STATEMENT, [requestId]);
    const row = rows[0];
    if (!row) {
      const unknown: StateMessage = { type: 'state', requestId, seq: 0, status: 'unknown', agents: [], steps: [], pendingQuestions: [] };
      return lastSeq === undefined ? unknown : { ...unknown, events: [] };
    }
    authorize(row.owner);
    const state: StateMessage = {
      type: 'state',
      requestId,
      seq: row.last_seq,
      status: row.status as RequestStatus,
      userQuery: row.user_query,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      agents: row.agents,
      steps: withOutputs(withPlannedTitles(row.steps, row.agents), row.outputs),
      pendingQuestions: row.pending_questions,
      ...(row.result === null ? {} : { result: JSON.parse(row.result) as unknown }),
      ...(row.error === null ? {} : { error: JSON.parse(row.error) as unknown }),
    };
    if (lastSeq === undefined) return state;
    // seq is gap-free, so "the last replayLimit events" is a seq range.
    const from = Math.max(lastSeq, row.last_seq - Math.max(0, replayLimit));
    const events = from < row.last_seq ? await this.selectEvents(requestId, from, row.last_seq, replayMaxBytes) : [];
    const firstReplayed = events.length > 0 ? events[0].seq - 1 : row.last_seq;
    return firstReplayed > lastSeq ? { ...state, events, truncated: true } : { ...state, events };
  }

  /** Recorded messages with seq > afterSeq, ascending, at most `limit`. */
  async listEvents(requestId: string, afterSeq: number, limit: number): Promise<RecordedMessage[]> {
    const rows = await this.sessions.query<EventRow>(
      { name: 'agent-stream.events-after', text: `SELECT ${EVENT_COLUMNS} FROM request_events WHERE request_id = $1 AND seq > $2 ORDER BY seq LIMIT $3` },
      [requestId, afterSeq, limit],
    );
    return rows.map(toMessage);
  }

  /** The owner of each of these requests that exists. */
  async ownersOf(requestIds: string[]): Promise<Map<string, string>> {
    const rows = await this.sessions.query<{ id: string; owner: string }>(
      { name: 'agent-stream.owners', text: 'SELECT id, owner FROM requests WHERE id = ANY($1::text[])' },
      [requestIds],
    );
    return new Map(rows.map((r) => [r.id, r.owner]));
  }

  async findRequest(requestId: string): Promise<RequestRecord | null> {
    const rows: FullRequestRow[] = await this.dataSource.query(`SELECT ${HEADER_COLUMNS}, user_query, context FROM requests WHERE id = $1`, [requestId]);
    if (rows.length === 0) return null;
    return { ...toHeader(rows[0]), userQuery: rows[0].user_query, context: rows[0].context };
  }

  /** Removes the request and its log (e.g. a start undone because the agents never heard of it). false: no such request. */
  async deleteRequest(requestId: string): Promise<boolean> {
    // On Postgres a DELETE through TypeORM's query() resolves to [rows, affected].
    const [, affected]: [unknown[], number] = await this.dataSource.query('DELETE FROM requests WHERE id = $1', [requestId]);
    return affected > 0;
  }

  /** For readiness: resolves when the database answers. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  private async selectEvents(requestId: string, afterSeq: number, upToSeq: number, maxBytes: number): Promise<RecordedMessage[]> {
    if (maxBytes === Infinity) {
      const rows = await this.sessions.query<EventRow>(
        { name: 'agent-stream.events-between', text: `SELECT ${EVENT_COLUMNS} FROM request_events WHERE request_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq` },
        [requestId, afterSeq, upToSeq],
      );
      return rows.map(toMessage);
    }
    // The newest events whose payloads (plus an envelope's worth each) add up to at most maxBytes: a gap-free suffix.
    const rows = await this.sessions.query<EventRow>(
      {
        name: 'agent-stream.events-between-bounded',
        text: `SELECT ${EVENT_COLUMNS} FROM (
                 SELECT ${EVENT_COLUMNS}, sum(octet_length(payload::text) + 128) OVER (ORDER BY seq DESC) AS newer_bytes
                   FROM request_events WHERE request_id = $1 AND seq > $2 AND seq <= $3) e
                WHERE newer_bytes <= $4 ORDER BY seq`,
      },
      [requestId, afterSeq, upToSeq, maxBytes],
    );
    return rows.map(toMessage);
  }

  /** Locks the rows in id order, the same order for every writer, so two batches cannot deadlock. */
  private async lock(em: Tx, requestIds: string[]): Promise<RequestHeader[]> {
    const rows = await em.query<RequestRow>(
      { name: 'agent-stream.lock', text: `SELECT ${HEADER_COLUMNS} FROM requests WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE` },
      [requestIds],
    );
    return rows.map(toHeader);
  }

  private async questionState(em: Tx, requestId: string, questionId: string): Promise<QuestionState> {
    const rows = await em.query<{ pending: boolean }>(
      'SELECT pending FROM request_questions WHERE request_id = $1 AND question_id = $2',
      [requestId, questionId],
    );
    if (rows.length === 0) return 'never asked';
    return rows[0].pending ? 'pending' : 'answered';
  }

  /**
   * What a write needs to read, in one round trip: the projection rows the
   * drafts name (agents, steps, asked questions) and the pending questions of
   * their requests, each by an index probe per key — never a whole request's
   * rows — and, `withRecorded`, the drafts' (requestId, eventId) pairs that
   * were recorded before (with their old seq and ts).
   * LATERAL keeps every probe an index look-up: as plain joins the planner
   * hash-joins a large batch against a whole table (measured 140 ms at 200k
   * rows, growing).
   */
  private async readTouched(
    em: Tx,
    /** The rows this transaction locked, or the ids of the requests whose rows to read (unlocked, in the same snapshot). */
    requests: { locked: RequestHeader[] } | { readUnlocked: string[] },
    drafts: EventDraft[],
    { withRecorded = false } = {},
  ): Promise<{ rows: RequestHeader[]; slices: Map<string, ProjectionSlice>; earlier: Map<string, RecordedMessage> }> {
    const headerIds = 'readUnlocked' in requests ? requests.readUnlocked : [];
    const headers = 'locked' in requests ? [...requests.locked] : [];
    const keys = touchedKeys(drafts);
    const recordedKeys = withRecorded ? [drafts.map((d) => d.requestId), drafts.map((d) => d.eventId)] : [[], []];
    const rows = await em.query<TouchedRow>(READ_TOUCHED_STATEMENT, [
      ...keys.agents,
      ...keys.steps,
      ...keys.questions,
      'locked' in requests ? requests.locked.map((r) => r.requestId) : headerIds,
      ...recordedKeys,
      headerIds,
    ]);
    const loaded = new Map<string, SliceRows>();
    const sliceRows = (requestId: string) => {
      let rows = loaded.get(requestId);
      if (!rows) loaded.set(requestId, (rows = { agents: [], steps: [], questions: [] }));
      return rows;
    };
    const earlier = new Map<string, RecordedMessage>();
    const seenQuestions = new Set<string>();
    for (const row of rows) {
      if (row.kind === 'request') {
        const header = row.summary as RequestRow;
        headers.push(toHeader({ ...header, created_at: new Date(header.created_at), updated_at: new Date(header.updated_at) }));
        continue;
      }
      if (row.kind === 'recorded') {
        earlier.set(pairKey(row.request_id, row.event_id!), toMessage(row as unknown as EventRow));
        continue;
      }
      const slice = sliceRows(row.request_id);
      if (row.kind === 'agent') slice.agents.push(row as unknown as StoredSummary<AgentSummary>);
      else if (row.kind === 'step') slice.steps.push({ summary: row.summary as StepSummary, position: row.position!, outputBytes: row.output_bytes ?? 0 });
      else {
        // A pending question the drafts also name comes twice.
        const key = pairKey(row.request_id, (row.summary as PendingQuestion).questionId);
        if (seenQuestions.has(key)) continue;
        seenQuestions.add(key);
        slice.questions.push(row as unknown as StoredQuestion);
      }
    }
    return { rows: headers, slices: this.slicesOf(headers, loaded), earlier };
  }

  private slicesOf(headers: RequestHeader[], rows: Map<string, SliceRows>): Map<string, ProjectionSlice> {
    return new Map(headers.map((r) => [r.requestId, new ProjectionSlice(r.status, rows.get(r.requestId) ?? { agents: [], steps: [], questions: [] }, { outputMaxBytes: this.outputMaxBytes })]));
  }

  /**
   * The one way anything is recorded: gives each draft the next seq of its
   * request (as read: locked, or in the read the write is guarded by), folds
   * it into the request's slice, then writes the events, the touched
   * projection rows and the request rows in one statement. Array parameters
   * through unnest keep the statement at a fixed number of binds, however
   * large the batch. Callers under locks take `now` once the rows are locked,
   * so `ts` does not go backwards as `seq` goes up.
   */
  private async record(
    em: Tx,
    read: RequestHeader[],
    drafts: EventDraft[],
    now: Date,
    /** Read by the caller already (readTouched), or read here. */
    slices?: Map<string, ProjectionSlice>,
  ): Promise<{ recorded: RecordedMessage[]; after: Map<string, RequestHeader>; changes: Map<string, SliceChanges> }> {
    const after = new Map<string, RequestHeader>();
    if (drafts.length === 0) return { recorded: [], after, changes: new Map() };
    slices ??= (await this.readTouched(em, { locked: read }, drafts)).slices;
    const ts = now.toISOString();
    const recorded: RecordedMessage[] = [];
    const events = new EventColumns();
    const readById = new Map(read.map((r) => [r.requestId, r]));

    for (const draft of drafts) {
      const slice = slices.get(draft.requestId);
      const header = readById.get(draft.requestId);
      if (!slice || !header) throw new Error(`request ${draft.requestId} was not read for this write`);
      const current = after.get(draft.requestId) ?? { ...header, updatedAt: now };
      after.set(draft.requestId, current);
      const seq = ++current.lastSeq;
      const payload = payloadOf(draft);
      const message = messageOf(draft.type, draft.requestId, seq, ts, payload);
      slice.apply(message);
      current.status = slice.projection.status;
      recorded.push(message);
      events.add(draft, seq, payload);
    }
    // What each request's slice writes back: once, for the statement and for the caller (the recording cache).
    const changes = new Map([...after.keys()].map((requestId) => [requestId, slices.get(requestId)!.changes()]));
    await em.query(WRITE_STATEMENT, [...events.params(), now, ...sliceParams(after, changes, readById)]);
    return { recorded, after, changes };
  }
}

/** The keys of the agent, step and question rows the drafts name, as unnest columns. */
function touchedKeys(drafts: EventDraft[]) {
  const agents = new Map<string, [string, string]>();
  const steps = new Map<string, [string, string, number]>();
  const questions = new Map<string, [string, string]>();
  for (const d of drafts) {
    forEachTouchedKey(d, {
      agent: (agent) => agents.set(pairKey(d.requestId, agent), [d.requestId, agent]),
      step: (agent, step) => steps.set(`${pairKey(d.requestId, agent)}\u0000${step}`, [d.requestId, agent, step]),
      question: (questionId) => questions.set(pairKey(d.requestId, questionId), [d.requestId, questionId]),
    });
  }
  const columns = <T extends unknown[]>(rows: Iterable<T>, width: number) => {
    const out: unknown[][] = Array.from({ length: width }, () => []);
    for (const row of rows) row.forEach((value, i) => out[i].push(value));
    return out;
  };
  return { agents: columns(agents.values(), 2), steps: columns(steps.values(), 3), questions: columns(questions.values(), 2) };
}

/** The first copy of each (requestId, eventId) pair, in input order: within a batch the first copy wins. */
function firstCopiesOf(drafts: EventDraft[]): EventDraft[] {
  const first = new Map<string, EventDraft>();
  for (const draft of drafts) if (!first.has(pairKey(draft.requestId, draft.eventId))) first.set(pairKey(draft.requestId, draft.eventId), draft);
  return [...first.values()];
}

interface TouchedRow {
  kind: 'agent' | 'step' | 'question' | 'recorded' | 'request';
  request_id: string;
  position: number | null;
  pending: boolean | null;
  summary: unknown;
  seq: number | null;
  type: RecordedType | null;
  payload: Record<string, unknown> | null;
  recorded_at: Date | null;
  event_id: string | null;
  output_bytes: number | null;
}

/** The `state` snapshot of request $1: the row and its projection rows in fold order, one consistent read. */
const STATE_STATEMENT: Statement = {
  name: 'agent-stream.state',
  text: `SELECT ${HEADER_COLUMNS}, user_query, result::text AS result, error::text AS error,
              COALESCE((SELECT json_agg(a.summary ORDER BY a.position) FROM request_agents a WHERE a.request_id = r.id), '[]') AS agents,
              COALESCE((SELECT json_agg(s.summary ORDER BY s.position) FROM request_steps s WHERE s.request_id = r.id), '[]') AS steps,
              COALESCE((SELECT json_agg(q.summary ORDER BY q.position) FROM request_questions q
                         WHERE q.request_id = r.id AND q.pending), '[]') AS pending_questions,
              COALESCE((SELECT json_agg(json_build_object('agent', o.agent, 'step', o.step, 'text', encode(o.text, 'base64')))
                          FROM (SELECT agent, step, string_agg(chunk, ''::bytea ORDER BY seq) AS text
                                  FROM request_step_output WHERE request_id = r.id GROUP BY agent, step) o), '[]') AS outputs
         FROM requests r WHERE r.id = $1`,
};

/** $1..$11 of readTouched: agent keys, step keys, question keys, the locked requests, recorded pairs, requests to read unlocked. */
const READ_TOUCHED_STATEMENT: Statement = { name: 'agent-stream.read-touched', text: `
  SELECT 'agent' AS kind, k.request_id, x.position, NULL::boolean AS pending, x.summary,
         NULL::int AS seq, NULL::text AS type, NULL::json AS payload, NULL::timestamptz AS recorded_at, NULL::text AS event_id,
         NULL::int AS output_bytes
    FROM unnest($1::text[], $2::text[]) AS k(request_id, agent)
   CROSS JOIN LATERAL (SELECT position, summary FROM request_agents x WHERE x.request_id = k.request_id AND x.agent = k.agent) AS x
  UNION ALL
  SELECT 'step', k.request_id, x.position, NULL, x.summary, NULL, NULL, NULL, NULL, NULL, x.output_bytes
    FROM unnest($3::text[], $4::text[], $5::float8[]) AS k(request_id, agent, step)
   CROSS JOIN LATERAL (SELECT position, summary, output_bytes FROM request_steps x
                        WHERE x.request_id = k.request_id AND x.agent = k.agent AND x.step = k.step) AS x
  UNION ALL
  SELECT 'question', k.request_id, x.position, x.pending, x.summary, NULL, NULL, NULL, NULL, NULL, NULL
    FROM unnest($6::text[], $7::text[]) AS k(request_id, question_id)
   CROSS JOIN LATERAL (SELECT position, pending, summary FROM request_questions x
                        WHERE x.request_id = k.request_id AND x.question_id = k.question_id) AS x
  UNION ALL
  SELECT 'question', q.request_id, q.position, q.pending, q.summary, NULL, NULL, NULL, NULL, NULL, NULL
    FROM request_questions q WHERE q.request_id = ANY($8::text[]) AND q.pending
  UNION ALL
  SELECT 'recorded', e.request_id, NULL, NULL, NULL, e.seq, e.type, e.payload, e.recorded_at, e.event_id, NULL
    FROM unnest($9::text[], $10::text[]) AS d(request_id, event_id)
   CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS}, event_id FROM request_events x
                        WHERE x.request_id = d.request_id AND x.event_id = d.event_id LIMIT 1) AS e
  UNION ALL
  SELECT 'request', r.id, NULL, NULL,
         json_build_object('id', r.id, 'owner', r.owner, 'status', r.status, 'last_seq', r.last_seq, 'created_at', r.created_at, 'updated_at', r.updated_at),
         NULL, NULL, NULL, NULL, NULL, NULL
    FROM requests r WHERE r.id = ANY($11::text[])` };

/** request_events columns of a batch, for one unnest INSERT. */
class EventColumns {
  private readonly requestId: string[] = [];
  private readonly seq: number[] = [];
  private readonly eventId: string[] = [];
  private readonly type: string[] = [];
  private readonly agent: Array<string | null> = [];
  private readonly payload: string[] = [];

  add(draft: EventDraft, seq: number, payload: Record<string, unknown>): void {
    this.requestId.push(draft.requestId);
    this.seq.push(seq);
    this.eventId.push(draft.eventId);
    this.type.push(draft.type);
    this.agent.push(agentOf(draft));
    this.payload.push(JSON.stringify(payload));
  }

  params(): unknown[] {
    return [this.requestId, this.seq, this.eventId, this.type, this.agent, this.payload];
  }
}

/** $8..$33 of WRITE_STATEMENT: the slices' rows and the requests' new headers, with the last_seq each was read at; the output chunks. */
function sliceParams(after: Map<string, RequestHeader>, changesOf: Map<string, SliceChanges>, read: Map<string, RequestHeader>): unknown[] {
  const a = { r: [] as string[], agent: [] as string[], pos: [] as number[], doc: [] as string[] };
  const s = { r: [] as string[], agent: [] as string[], step: [] as number[], pos: [] as number[], doc: [] as string[], bytes: [] as number[] };
  const o = { r: [] as string[], seq: [] as number[], agent: [] as string[], step: [] as number[], chunk: [] as Buffer[] };
  const q = { r: [] as string[], id: [] as string[], pos: [] as number[], pending: [] as boolean[], doc: [] as string[] };
  const r = { id: [] as string[], lastSeq: [] as number[], status: [] as string[], result: [] as Array<string | null>, error: [] as Array<string | null>, readSeq: [] as number[] };
  for (const [requestId, header] of after) {
    const changes = changesOf.get(requestId)!;
    for (const { summary, position } of changes.agents) {
      a.r.push(requestId), a.agent.push(summary.agent), a.pos.push(position), a.doc.push(JSON.stringify(summary));
    }
    for (const { summary, position, outputBytes } of changes.steps) {
      s.r.push(requestId), s.agent.push(summary.agent), s.step.push(summary.step), s.pos.push(position), s.doc.push(JSON.stringify(summary));
      s.bytes.push(outputBytes);
    }
    for (const { agent, step, seq, text } of changes.outputs) {
      o.r.push(requestId), o.seq.push(seq), o.agent.push(agent), o.step.push(step), o.chunk.push(Buffer.from(text, 'utf8'));
    }
    for (const { summary, position, pending } of changes.questions) {
      q.r.push(requestId), q.id.push(summary.questionId), q.pos.push(position), q.pending.push(pending), q.doc.push(JSON.stringify(summary));
    }
    r.id.push(requestId);
    r.lastSeq.push(header.lastSeq);
    r.readSeq.push(read.get(requestId)!.lastSeq);
    r.status.push(changes.status);
    r.result.push('result' in changes ? JSON.stringify(changes.result) : null);
    r.error.push('error' in changes ? JSON.stringify(changes.error) : null);
  }
  return [
    ...[a.r, a.agent, a.pos, a.doc, s.r, s.agent, s.step, s.pos, s.doc, q.r, q.id, q.pos, q.pending, q.doc, r.id, r.lastSeq, r.status, r.result, r.error, r.readSeq],
    ...[s.bytes, o.r, o.seq, o.agent, o.step, o.chunk],
  ];
}

/**
 * One round trip for a whole batch: the events, the projection rows it
 * touched (each key once: the slice merged the batch's changes to it), and
 * the requests' counters and status. An agent or step keeps the position it
 * was created at; a question moves to the seq of its latest ask.
 */
const WRITE_STATEMENT: Statement = { name: 'agent-stream.write-batch', text: `
  -- The request rows first, in id order (as lock() takes them), before any other row: every write below waits on
  -- this (its one-time filter), so two writes on overlapping requests, or a write and a command, cannot deadlock.
  WITH held AS MATERIALIZED (
    SELECT count(*) AS n FROM (SELECT id FROM requests WHERE id = ANY($22::text[]) ORDER BY id FOR UPDATE) AS l
  ), events AS (
    INSERT INTO request_events (request_id, seq, event_id, type, agent, payload, recorded_at)
    SELECT e.request_id, e.seq, e.event_id, e.type, e.agent, e.payload::json, $7
      FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS e(request_id, seq, event_id, type, agent, payload)
     WHERE (SELECT n FROM held) >= 0
  ), agents AS (
    INSERT INTO request_agents (request_id, agent, position, summary)
    SELECT u.request_id, u.agent, u.position, u.summary::json
      FROM unnest($8::text[], $9::text[], $10::int[], $11::text[]) AS u(request_id, agent, position, summary)
     WHERE (SELECT n FROM held) >= 0
        ON CONFLICT (request_id, agent) DO UPDATE SET summary = EXCLUDED.summary
  ), steps AS (
    INSERT INTO request_steps (request_id, agent, step, position, summary, output_bytes)
    SELECT u.request_id, u.agent, u.step, u.position, u.summary::json, u.output_bytes
      FROM unnest($12::text[], $13::text[], $14::float8[], $15::int[], $16::text[], $28::int[]) AS u(request_id, agent, step, position, summary, output_bytes)
     WHERE (SELECT n FROM held) >= 0
        ON CONFLICT (request_id, agent, step) DO UPDATE SET summary = EXCLUDED.summary, output_bytes = EXCLUDED.output_bytes
  ), outputs AS (
    INSERT INTO request_step_output (request_id, seq, agent, step, chunk)
    SELECT * FROM unnest($29::text[], $30::int[], $31::text[], $32::float8[], $33::bytea[]) WHERE (SELECT n FROM held) >= 0
  ), questions AS (
    INSERT INTO request_questions (request_id, question_id, position, pending, summary)
    SELECT u.request_id, u.question_id, u.position, u.pending, u.summary::json
      FROM unnest($17::text[], $18::text[], $19::int[], $20::boolean[], $21::text[]) AS u(request_id, question_id, position, pending, summary)
     WHERE (SELECT n FROM held) >= 0
        ON CONFLICT (request_id, question_id) DO UPDATE
       SET position = EXCLUDED.position, pending = EXCLUDED.pending, summary = EXCLUDED.summary
  ), updated AS (
    UPDATE requests AS r
       SET last_seq = u.last_seq, status = u.status, updated_at = $7,
           result = COALESCE(u.result::json, r.result), error = COALESCE(u.error::json, r.error)
      FROM unnest($22::text[], $23::int[], $24::text[], $25::text[], $26::text[], $27::int[]) AS u(id, last_seq, status, result, error, read_seq)
     WHERE r.id = u.id AND r.last_seq = u.read_seq AND (SELECT n FROM held) >= 0
    RETURNING 1
  )
  -- Every request as it was read, or nothing at all: a failed cast aborts the statement, and with it every write above.
  SELECT CASE WHEN count(*) = cardinality($22::text[]) THEN 0
              ELSE (count(*) || ' of ' || cardinality($22::text[]) || ' requests moved on since they were read')::int END AS written
    FROM updated` };

/** The snapshot's steps, each with its output (chunks concatenated) before its `outputTruncated`. */
function withOutputs(steps: StepSummary[], outputs: StateRow['outputs']): StepSummary[] {
  if (outputs.length === 0) return steps;
  const textOf = new Map(outputs.map((o) => [`${o.agent}\u0000${o.step}`, Buffer.from(o.text, 'base64').toString('utf8')]));
  return steps.map((step) => {
    const output = textOf.get(`${step.agent}\u0000${step.step}`);
    if (output === undefined) return step;
    const { outputTruncated, ...summary } = step;
    return { ...summary, output, ...(outputTruncated ? { outputTruncated } : {}) };
  });
}

function assertFor(requestId: string, drafts: EventDraft[]): void {
  const stray = drafts.find((d) => d.requestId !== requestId);
  if (stray) throw new Error(`draft ${stray.eventId} is for request ${stray.requestId}, not ${requestId}`);
}
