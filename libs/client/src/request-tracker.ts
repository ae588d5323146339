import type { ErrorBody, RecordedMessage, RecordedType, RequestProjection, StateMessage } from '@app/contracts/wire';
import { applyEvent, emptyProjection, withPlannedTitles } from '@app/contracts/request-projection';
import { projectionFromState } from '@app/contracts/request-snapshot';

/** What a watched request looks like now: the `state` snapshot's fields, kept current event by event. */
export type RequestSnapshot = Omit<StateMessage, 'type' | 'events' | 'truncated'> & {
  /** Set when the gateway refused to let this client watch the request (`FORBIDDEN`, …). */
  refused?: ErrorBody;
};

export type EventListener<T extends RecordedType | '*' = '*'> = (event: T extends RecordedType ? Extract<RecordedMessage, { type: T }> : RecordedMessage) => void;

/** What became of one live message. */
export type Receipt = 'applied' | 'duplicate' | 'gap';

/**
 * One request's picture on the client: folds `state` snapshots and recorded
 * messages with the server's own fold (`applyEvent`), drops any seq it
 * already has, and tells its listeners about every event once, in seq order.
 * Pure logic: the socket side lives in the client.
 */
export class RequestTracker {
  private projection: RequestProjection = emptyProjection();
  private meta: Pick<RequestSnapshot, 'userQuery' | 'createdAt' | 'updatedAt' | 'refused'> = {};
  private seqSeen = 0;
  private snapshot: RequestSnapshot | undefined;
  private readonly changeListeners = new Set<() => void>();
  private readonly eventListeners = new Set<{ type: RecordedType | '*'; listener: (event: RecordedMessage) => void }>();

  constructor(readonly requestId: string) {}

  /** Highest seq reflected in the picture: the `lastSeq` to rejoin with. */
  get seq(): number {
    return this.seqSeen;
  }

  /** The current picture; the same object until something changes (React's `useSyncExternalStore` relies on it). */
  getSnapshot = (): RequestSnapshot => {
    this.snapshot ??= structuredClone({
      requestId: this.requestId,
      seq: this.seqSeen,
      ...this.meta,
      status: this.projection.status,
      agents: this.projection.agents,
      steps: withPlannedTitles(this.projection.steps, this.projection.agents),
      pendingQuestions: this.projection.pendingQuestions,
      ...(this.projection.result === undefined ? {} : { result: this.projection.result }),
      ...(this.projection.error === undefined ? {} : { error: this.projection.error }),
    });
    return this.snapshot;
  };

  /** Calls `listener` after every change of the picture; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  };

  /** Calls `listener` with each recorded event of `type` (or every type, with '*'), once, in seq order. */
  on<T extends RecordedType | '*'>(type: T, listener: EventListener<T>): () => void {
    const entry = { type, listener: listener as (event: RecordedMessage) => void };
    this.eventListeners.add(entry);
    return () => this.eventListeners.delete(entry);
  }

  /** A live message. Older seqs are dropped; a gap means the caller must rejoin (the event is dropped too). */
  receive(event: RecordedMessage): Receipt {
    if (event.seq <= this.seqSeen) return 'duplicate';
    if (event.seq !== this.seqSeen + 1) return 'gap';
    this.fold(event);
    this.changed();
    return 'applied';
  }

  /**
   * A `state` reply. Its `events` (seq > the lastSeq we sent) are folded one
   * by one; when they do not join onto what we have (`truncated`, or a
   * state without events), the snapshot replaces the picture and the events
   * it carries are still told to listeners, without being folded again.
   */
  receiveState(state: StateMessage): void {
    this.meta = {
      ...(state.userQuery === undefined ? {} : { userQuery: state.userQuery }),
      ...(state.createdAt === undefined ? {} : { createdAt: state.createdAt }),
      ...(state.updatedAt === undefined ? {} : { updatedAt: state.updatedAt }),
    };
    const events = (state.events ?? []).filter((e) => e.seq > this.seqSeen);
    if (events.length > 0 && events[0].seq === this.seqSeen + 1 && events.at(-1)!.seq === state.seq) {
      for (const event of events) this.fold(event);
    } else if (state.seq > this.seqSeen || this.seqSeen === 0) {
      this.projection = projectionFromState(state);
      this.seqSeen = state.seq;
      for (const event of events) this.tell(event);
    }
    this.changed();
  }

  /** The gateway refused the watch: the picture says why, and stays as it was. */
  refuse(error: ErrorBody): void {
    this.meta = { ...this.meta, refused: error };
    this.changed();
  }

  private fold(event: RecordedMessage): void {
    applyEvent(this.projection, event);
    this.seqSeen = event.seq;
    this.meta = { ...this.meta, updatedAt: event.ts };
    this.tell(event);
  }

  private tell(event: RecordedMessage): void {
    for (const { type, listener } of this.eventListeners) if (type === '*' || type === event.type) isolate(() => listener(event));
  }

  private changed(): void {
    this.snapshot = undefined;
    for (const listener of this.changeListeners) isolate(listener);
  }
}

/** A listener that throws must not stop the fold or the other listeners; its error still surfaces. */
function isolate(call: () => void): void {
  try {
    call();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
