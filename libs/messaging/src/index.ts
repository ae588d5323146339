export { MessagingModule } from './messaging.module';
export { BrokerPublisher, type PublishOptions } from './broker-publisher';
export { BrokerConsumer, settle, type AttachedQueue, type ConsumerHandle, type ConsumerSpec, type DeliveryHandler } from './broker-consumer';
export { BrokerUnavailableError, UnroutableMessageError } from './broker-unavailable.error';
export { CONSISTENT_HASH_PLUGIN, declareIngestShards, ingestShardQueue, INGEST_QUEUE_OPTIONS, MissingBrokerPluginError } from './topology';
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
