export { EventRecorder } from './event-recorder';
export { ORIGIN_HEADER, RecordedEventsPublisher } from './recorded-events.publisher';
