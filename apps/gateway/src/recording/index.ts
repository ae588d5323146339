export { EventRecorder } from './event-recorder';
export { RecordedEventsPublisher } from './recorded-events.publisher';
