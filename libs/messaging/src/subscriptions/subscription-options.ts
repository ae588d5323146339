import type { ClassConstructor } from 'class-transformer';
import type { RetryPolicy } from './retry-policy';

/** What `@Subscribe` (and `BrokerSubscriptions.subscribe`) takes. */
export interface SubscribeOptions<T extends object = object> {
  /** The exchange to bind to (declared as a durable topic exchange unless it is one of ours). */
  exchange: string;
  /** One binding per key (topic patterns: `*`, `#`). */
  routingKey: string | string[];
  /**
   * A durable queue shared by every instance of the process: each message is
   * handled once in the cluster (competing consumers). Its retry queues are
   * `<queue>.retry.<ms>ms`, its dead letters go to `<queue>.dead`.
   */
  queue: string;
  /**
   * The body's DTO (class-validator decorators): the handler gets a validated
   * instance. Fields it does not declare are dropped. Absent: the parsed JSON.
   */
  body?: ClassConstructor<T>;
  /** Unacked messages this instance handles at once (default 10; 1 when `ordered`). */
  prefetch?: number;
  /** One consumer in the cluster takes the queue at a time; another takes over when it goes (RabbitMQ `x-single-active-consumer`). */
  singleActiveConsumer?: boolean;
  /**
   * Queue order: one message at a time (prefetch 1, single active consumer),
   * retried in process so that nothing behind it overtakes it.
   */
  ordered?: boolean;
  /** Overrides of DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
}

/** What a handler learns about the delivery besides its body. */
export interface DeliveryContext {
  /** 1 on the first attempt. */
  attempt: number;
  /** The last attempt: a throw now dead-letters the message. */
  lastAttempt: boolean;
  routingKey: string;
  messageId?: string;
  headers: Record<string, unknown>;
}

export type SubscriptionHandler<T> = (body: T, context: DeliveryContext) => unknown;
