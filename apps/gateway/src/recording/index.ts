export { EventRecorder } from './event-recorder';
export { ORIGIN_HEADER, RecordedEventsPublisher } from './recorded-events.publisher';
export { IngestShards, REBALANCE_INTERVAL_MS } from './ingest-shards';
export { batchRecorderProvider } from './batch-recorder.provider';
