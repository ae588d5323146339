import { parentPort, workerData } from 'node:worker_threads';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from '../data-source';
import { RequestStore } from '../request-store';
import type { RecordingThreadSettings, ToRecordingThread, FromRecordingThread } from './thread-messages';

/**
 * The recording thread's side: a pool of its own and a RequestStore (with its
 * recording cache) that records the batches the gateway's recorder hands it.
 * Only `recordBatch` runs here; everything else the store does stays on the
 * gateway's main thread.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('recording-worker runs only as a worker thread');
  const settings = workerData as RecordingThreadSettings;
  const options = dataSourceOptions(settings.databaseUrl) as DataSourceOptions & { extra: object };
  const dataSource = new DataSource({ ...options, extra: { ...options.extra, max: settings.connections } });
  await dataSource.initialize();
  const store = new RequestStore(dataSource, { OUTPUT_MAX_BYTES: settings.outputMaxBytes });
  const reply = (message: FromRecordingThread) => port.postMessage(message);
  port.on('message', ({ id, drafts }: ToRecordingThread) => {
    store.recordBatch(drafts).then(
      (result) => reply({ id, result }),
      (error: Error) => reply({ id, error: error.message }),
    );
  });
  reply({ ready: true });
}

main().catch((error: Error) => {
  parentPort?.postMessage({ failed: error.message } satisfies FromRecordingThread);
  process.exitCode = 1;
});
