export { MessagingModule } from './messaging.module';
export { BrokerPublisher, type PublishOptions } from './broker-publisher';
export { BrokerConsumer, settle, type ConsumerSpec, type DeliveryHandler } from './broker-consumer';
export { BrokerUnavailableError, UnroutableMessageError } from './broker-unavailable.error';
export { INGEST_QUEUE_OPTIONS } from './topology';
export {
  Subscribe,
  BrokerSubscriptions,
  findDecoratedMethods,
  DEFAULT_RETRY_POLICY,
  FAILED_ATTEMPTS_HEADER,
  LAST_ERROR_HEADER,
  deadLetterQueueName,
  retryDelayMs,
  retryPolicyOf,
  retryQueueName,
  retrySchedule,
  type DecoratedMethod,
  type DeliveryContext,
  type RetryPolicy,
  type SubscribeOptions,
  type SubscriptionHandler,
} from './subscriptions';
