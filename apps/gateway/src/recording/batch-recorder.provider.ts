import type { Provider } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { BatchRecorder, RecordingThread, RequestStore } from '@app/persistence';
import { MAX_BATCHES_IN_FLIGHT } from './event-recorder';

/** Where the recorder's batches are written: the recording thread, or (RECORDING_THREAD=false) this event loop. */
export const batchRecorderProvider: Provider = {
  provide: BatchRecorder,
  inject: [AppConfig, RequestStore],
  useFactory: (config: AppConfig, store: RequestStore): BatchRecorder =>
    config.RECORDING_THREAD
      ? new RecordingThread({
          databaseUrl: config.DATABASE_URL,
          outputMaxBytes: config.OUTPUT_MAX_BYTES,
          // A batch in flight holds one connection (its optimistic try, then its locked one): one to spare.
          connections: MAX_BATCHES_IN_FLIGHT + 1,
        })
      : store,
};
