import type { EventDraft } from '@app/contracts';
import type { BatchResult } from '../request-record';

/** What the recording thread is started with (its workerData). */
export interface RecordingThreadSettings {
  databaseUrl: string;
  /** OUTPUT_MAX_BYTES: the thread's store folds output as the gateway's does. */
  outputMaxBytes: number;
  /** Its pool's size: the batches the recorder writes side by side, and one to spare. */
  connections: number;
}

export interface ToRecordingThread {
  id: number;
  drafts: EventDraft[];
}

export type FromRecordingThread =
  | { ready: true }
  /** It could not start (its database unreachable, say): it ends, and the next batch starts a new one. */
  | { failed: string }
  | { id: number; result: BatchResult }
  | { id: number; error: string };
