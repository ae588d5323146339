import type { EventDraft, RecordedMessage, RequestProjection, RequestStatus } from '@app/contracts';

/** A `requests` row as the rest of the product sees it. */
export interface RequestRecord {
  requestId: string;
  owner: string;
  status: RequestStatus;
  userQuery: string;
  context: Record<string, unknown>;
  lastSeq: number;
  projection: RequestProjection;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewRequest {
  requestId: string;
  owner: string;
  userQuery: string;
  context?: Record<string, unknown>;
}

export interface StartResult {
  /** false: the id already existed; nothing was recorded and `request` is the existing row. */
  created: boolean;
  request: RequestRecord;
  recorded: RecordedMessage[];
}

export interface TransitionResult {
  /** The row as it was before the drafts were recorded. */
  request: RequestRecord;
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
