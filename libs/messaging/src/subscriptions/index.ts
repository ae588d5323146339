export { Subscribe } from './subscribe.decorator';
export { SubscriptionExplorer } from './subscription-explorer';
export { BrokerSubscriptions, decodeBody, FAILED_ATTEMPTS_HEADER, LAST_ERROR_HEADER } from './broker-subscriptions';
export { findDecoratedMethods, type DecoratedMethod } from './decorated-methods';
export { DEFAULT_RETRY_POLICY, deadLetterQueueName, retryDelayMs, retryPolicyOf, retryQueueName, retrySchedule, type RetryPolicy } from './retry-policy';
export type { DeliveryContext, SubscribeOptions, SubscriptionHandler } from './subscription-options';
