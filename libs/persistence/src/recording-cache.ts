import { isFinalStatus, type AgentSummary, type EventDraft } from '@app/contracts';
import type { SliceChanges, SliceRows, StoredQuestion, StoredStep, StoredSummary } from './projection-slice';
import type { RequestHeader } from './request-record';

/**
 * Memory the cache may hold, estimated (a row's JSON length plus a fixed
 * overhead per key): summaries carry agents' data, steps' results and tools,
 * up to MAX_EVENT_BYTES each, so a count of rows would not bound it.
 */
export const RECORDING_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** What a key costs beyond its row's JSON: the key, the map entry, the row's object. */
const KEY_OVERHEAD_BYTES = 128;

/** Calls `visit` for each projection row `draft` names (the fold reads and changes only those, and pending questions). */
export function forEachTouchedKey(draft: EventDraft, visit: { agent(agent: string): void; step(agent: string, step: number): void; question(questionId: string): void }): void {
  if (draft.type === 'status' || draft.type === 'request.completed') {
    if (draft.type === 'status' && draft.questionId) visit.question(draft.questionId);
    return;
  }
  // Output touches its step only (the fold leaves agents alone): an agent row is not rewritten per delta.
  if (draft.type === 'output') return visit.step(draft.agent, draft.step);
  visit.agent(draft.agent);
  if (draft.type === 'question') visit.question(draft.questionId);
  if ((draft.type === 'progress' || draft.type === 'error') && draft.step !== undefined) visit.step(draft.agent, draft.step);
}

const stepKey = (agent: string, step: number) => `${agent}\u0000${step}`;

/** A row as it was written, and what it is reckoned to take in memory. */
interface Held<T> {
  row: T;
  bytes: number;
}

/** What this store knows of one request, as of its `header.lastSeq`. */
interface KnownRequest {
  header: RequestHeader;
  /** Every row of the request is in the maps below: a key that is not is known to be absent. */
  complete: boolean;
  /** null: known to be absent. */
  agents: Map<string, Held<StoredSummary<AgentSummary>> | null>;
  steps: Map<string, Held<StoredStep> | null>;
  /** Always holds every pending question of the request (as a read of the rows does), and any other it has seen. */
  questions: Map<string, Held<StoredQuestion> | null>;
  bytes: number;
}

/** A group's state taken from the cache: the headers as last written, and rows to fold into (copies). */
export interface CachedState {
  headers: RequestHeader[];
  rows: Map<string, SliceRows>;
}

/**
 * The ingest path's memory of the requests it records: each request's header
 * and the projection rows its batches read and wrote, as of the `last_seq`
 * it last wrote. With it a batch needs no read: its write is guarded by that
 * `last_seq` (anything else that recorded meanwhile — a command, another
 * gateway — moved it on, and the write fails as a whole) and by the unique
 * (request_id, event_id) index (a redelivered event fails it too); a failed
 * write forgets its requests and goes the reading way. So a stale entry costs
 * one failed statement, never a wrong record. A request's entry is dropped
 * once it ends; memory is bounded (RECORDING_CACHE_MAX_BYTES), least
 * recently used first.
 */
export class RecordingCache {
  private readonly known = new Map<string, KnownRequest>();
  private bytes = 0;

  constructor(private readonly maxBytes = RECORDING_CACHE_MAX_BYTES) {}

  /**
   * The state of every request the drafts name, when every row they touch is
   * known (present or absent); undefined when any is not. Rows are copies: the
   * fold may change them, and the write may still fail.
   */
  lookup(drafts: EventDraft[]): CachedState | undefined {
    const rows = new Map<string, SliceRows>();
    const seen = new Map<string, Set<string>>();
    for (const draft of drafts) {
      const entry = this.known.get(draft.requestId);
      if (!entry) return undefined;
      let slice = rows.get(draft.requestId);
      if (!slice) {
        rows.set(draft.requestId, (slice = { agents: [], steps: [], questions: [] }));
        seen.set(draft.requestId, new Set());
        // Pending questions are read whatever the drafts name (a status may end the wait).
        for (const question of entry.questions.values()) {
          if (question?.row.pending) {
            slice.questions.push(structuredClone(question.row));
            seen.get(draft.requestId)!.add(`q\u0000${question.row.summary.questionId}`);
          }
        }
      }
      const taken = seen.get(draft.requestId)!;
      let missing = false;
      const take = <T>(kind: string, key: string, map: Map<string, Held<T> | null>, into: T[]) => {
        if (taken.has(`${kind}\u0000${key}`)) return;
        const held = map.get(key);
        if (held === undefined && !entry.complete) missing = true;
        taken.add(`${kind}\u0000${key}`);
        if (held) into.push(structuredClone(held.row));
      };
      forEachTouchedKey(draft, {
        agent: (agent) => take('a', agent, entry.agents, slice.agents),
        step: (agent, step) => take('s', stepKey(agent, step), entry.steps, slice.steps),
        question: (questionId) => take('q', questionId, entry.questions, slice.questions),
      });
      if (missing) return undefined;
    }
    const headers = [...rows.keys()].map((id) => {
      const entry = this.known.get(id)!;
      // Least recently used goes first: re-inserting moves it to the end.
      this.known.delete(id);
      this.known.set(id, entry);
      return { ...entry.header };
    });
    return { headers, rows };
  }

  /**
   * After a write that recorded `drafts` of a request: its new header and the
   * rows the batch held (`changes`: every row it read or made). Touched keys
   * not among them are absent. `readSeq` is the `last_seq` the write was
   * guarded by; `source` says where its rows came from: a read of the
   * database in the write's snapshot, or this cache (then the entry must
   * still be as it was looked up, else it is forgotten).
   */
  remember(header: RequestHeader, drafts: EventDraft[], changes: SliceChanges, readSeq: number, source: 'read' | 'cache'): void {
    if (isFinalStatus(header.status)) return this.forget([header.requestId]);
    let entry = this.known.get(header.requestId);
    if (source === 'cache' && entry?.header.lastSeq !== readSeq) return this.forget([header.requestId]);
    // An entry still at the seq the read saw was exact: nothing recorded since (that would have moved last_seq on); keep it.
    const current = entry?.header.lastSeq === readSeq;
    if (!entry || (source === 'read' && !current)) {
      this.drop(header.requestId);
      // Only the `queued` status is recorded when a request starts (seq 1): no rows yet, so this read saw them all.
      entry = { header, complete: readSeq <= 1, agents: new Map(), steps: new Map(), questions: new Map(), bytes: KEY_OVERHEAD_BYTES };
      this.known.set(header.requestId, entry);
      this.bytes += entry.bytes;
    }
    entry.header = { ...header };
    const known = entry;
    const put = <T>(map: Map<string, Held<T> | null>, key: string, row: T | null) => {
      const held = row === null ? null : { row, bytes: JSON.stringify(row).length };
      const before = map.has(key) ? KEY_OVERHEAD_BYTES + (map.get(key)?.bytes ?? 0) : 0;
      const delta = KEY_OVERHEAD_BYTES + (held?.bytes ?? 0) - before;
      map.set(key, held);
      known.bytes += delta;
      this.bytes += delta;
    };
    for (const draft of drafts) {
      forEachTouchedKey(draft, {
        agent: (agent) => known.agents.has(agent) || put(known.agents, agent, null),
        step: (agent, step) => known.steps.has(stepKey(agent, step)) || put(known.steps, stepKey(agent, step), null),
        question: (questionId) => known.questions.has(questionId) || put(known.questions, questionId, null),
      });
    }
    for (const agent of changes.agents) put(known.agents, agent.summary.agent, agent);
    for (const step of changes.steps) put(known.steps, stepKey(step.summary.agent, step.summary.step), step);
    for (const question of changes.questions) put(known.questions, question.summary.questionId, question);
    this.evictOverBudget();
  }

  forget(requestIds: Iterable<string>): void {
    for (const id of requestIds) this.drop(id);
  }

  /** Requests known, and the memory they are reckoned to take (for tests and metrics). */
  get stats(): { requests: number; bytes: number } {
    return { requests: this.known.size, bytes: this.bytes };
  }

  private drop(requestId: string): void {
    const entry = this.known.get(requestId);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.known.delete(requestId);
  }

  private evictOverBudget(): void {
    for (const id of this.known.keys()) {
      if (this.bytes <= this.maxBytes) return;
      this.drop(id);
    }
  }
}
