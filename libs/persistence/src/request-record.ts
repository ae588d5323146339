import type { EventDraft, RecordedMessage, RequestStatus } from '@app/contracts';

/** The small columns of a `requests` row: what every writer locks and reads. */
export interface RequestHeader {
  requestId: string;
  owner: string;
  status: RequestStatus;
  lastSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A whole `requests` row as the rest of the product sees it (the state's lists are read by `getState`). */
export interface RequestRecord extends RequestHeader {
  userQuery: string;
  context: Record<string, unknown>;
}

/** Where a question of a request stands (feedback: NOT_FOUND, CONFLICT or go). */
export type QuestionState = 'never asked' | 'pending' | 'answered';

export interface NewRequest {
  requestId: string;
  owner: string;
  userQuery: string;
  context?: Record<string, unknown>;
}

export interface StartResult {
  /** false: the id already existed; nothing was recorded and `request` is the existing row. */
  created: boolean;
  request: RequestHeader;
  recorded: RecordedMessage[];
}

export interface TransitionResult {
  /** The row as it was before the drafts were recorded. */
  request: RequestHeader;
  recorded: RecordedMessage[];
}

export interface BatchResult {
  /** Newly recorded, in input order (so in seq order per request). */
  recorded: RecordedMessage[];
  /** Drafts whose (requestId, eventId) had been recorded before: the earlier message, with its seq and ts. */
  duplicates: RecordedMessage[];
  /** Requests named by drafts that do not exist; those drafts were not recorded. */
  unknownRequestIds: Set<string>;
  /** Drafts for requests that had already ended (or ended earlier in this batch); not recorded. */
  afterEnd: EventDraft[];
}

/** Several results as one, in the order given (groups of a batch, or its events one by one). */
export function mergeBatchResults(results: BatchResult[]): BatchResult {
  return {
    recorded: results.flatMap((r) => r.recorded),
    duplicates: results.flatMap((r) => r.duplicates),
    unknownRequestIds: new Set(results.flatMap((r) => [...r.unknownRequestIds])),
    afterEnd: results.flatMap((r) => r.afterEnd),
  };
}
