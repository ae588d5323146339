import type { RequestStatus } from '@app/contracts';
import type { RequestHeader } from './request-record';

/** The small columns of a `requests` row, as Postgres returns them. */
export interface RequestRow {
  id: string;
  owner: string;
  status: string;
  last_seq: number;
  created_at: Date;
  updated_at: Date;
}

/** The small columns every writer locks and reads: never the documents (context) or the projection rows. */
export const HEADER_COLUMNS = 'id, owner, status, last_seq, created_at, updated_at';

export function toHeader(row: RequestRow): RequestHeader {
  return {
    requestId: row.id,
    owner: row.owner,
    status: row.status as RequestStatus,
    lastSeq: row.last_seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
