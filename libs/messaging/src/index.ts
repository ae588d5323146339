export { MessagingModule } from './messaging.module';
export { BrokerPublisher, type PublishOptions } from './broker-publisher';
export { BrokerConsumer, settle, type ConsumerSpec, type DeliveryHandler } from './broker-consumer';
export { BrokerUnavailableError, UnroutableMessageError } from './broker-unavailable.error';
export { INGEST_QUEUE_OPTIONS } from './topology';
