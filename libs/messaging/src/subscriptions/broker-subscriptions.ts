import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_REASON_HEADER, validateKnownFields } from '@app/contracts';
import { BrokerConsumer, settle } from '../broker-consumer';
import { BrokerPublisher } from '../broker-publisher';
import { deadLetterQueueName, retryDelayMs, retryPolicyOf, retryQueueName, retrySchedule, type RetryPolicy } from './retry-policy';
import type { DeliveryContext, SubscribeOptions, SubscriptionHandler } from './subscription-options';

/** Failed attempts so far, carried by a message on its way through a retry queue. */
export const FAILED_ATTEMPTS_HEADER = 'x-failed-attempts';
/** The error of the last failed attempt. */
export const LAST_ERROR_HEADER = 'x-last-error';

const DEFAULT_PREFETCH = 10;
/** When a retry or dead letter cannot be published (broker trouble), the message goes back after this wait. */
const REQUEUE_DELAY_MS = 1000;
/** Header values stay readable in the management UI. */
const MAX_REASON_CHARS = 1000;

/** A body that can never be handled: dead-lettered at once, never retried. */
class UnusableBody extends Error {}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_REASON_CHARS ? `${message.slice(0, MAX_REASON_CHARS)}…` : message;
}

/** The wait, cut short (resolving false) when `signal` aborts. */
function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The body as the handler gets it: JSON, validated against the DTO when there is one. */
export function decodeBody<T extends object>(content: Buffer, dto: SubscribeOptions<T>['body']): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch {
    throw new UnusableBody('body is not valid UTF-8 JSON');
  }
  if (!dto) return parsed as T;
  try {
    return validateKnownFields(dto, parsed);
  } catch (error) {
    const details = (error as { details?: Array<{ field: string; reasons: string[] }> }).details;
    throw new UnusableBody(details ? `invalid body: ${details.map((d) => d.reasons.join(', ')).join('; ')}` : `invalid body: ${reasonOf(error)}`);
  }
}

/**
 * Durable subscriptions with the policy every handler gets: a validated
 * body, ack when the handler returns, a throw retried with backoff (bounded)
 * and then dead-lettered with its reason; an unusable body dead-lettered at
 * once. Unordered subscriptions wait out a retry in a delay queue (a queue
 * per delay, whose expired messages go back to the handler's queue), so the
 * messages behind it go on; ordered ones wait in process, holding the queue.
 * Built on BrokerConsumer's channels (re-established after a reconnect).
 * Explorers subscribe while modules initialise, so every queue, binding and
 * exchange exists before anything is published (the recorder starts at
 * bootstrap); handlers run only once every module has initialised
 * (migrations applied): deliveries before that wait, unacked.
 */
@Injectable()
export class BrokerSubscriptions implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerSubscriptions.name);
  private bootstrapped!: () => void;
  private readonly started = new Promise<void>((resolve) => (this.bootstrapped = resolve));
  /** Cuts in-process retry waits short at shutdown: the message stays unacked and is redelivered. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly consumer: BrokerConsumer,
    private readonly publisher: BrokerPublisher,
  ) {}

  /** Resolves once the queue is declared, bound and consumed. */
  async subscribe<T extends object>(options: SubscribeOptions<T>, handler: SubscriptionHandler<T>, name = options.queue): Promise<void> {
    const policy = retryPolicyOf(options.retry);
    const ordered = options.ordered ?? false;
    const delayQueues = ordered ? [] : [...new Set(retrySchedule(policy))];
    const routingKeys = Array.isArray(options.routingKey) ? options.routingKey : [options.routingKey];
    await this.consumer.consume(
      {
        name,
        queue: options.queue,
        queueOptions: {
          durable: true,
          arguments: ordered || options.singleActiveConsumer ? { 'x-single-active-consumer': true } : {},
        },
        bindings: routingKeys.map((routingKey) => ({ exchange: options.exchange, routingKey })),
        prefetch: ordered ? 1 : (options.prefetch ?? DEFAULT_PREFETCH),
        extraQueues: [
          { queue: deadLetterQueueName(options.queue), options: { durable: true } },
          ...delayQueues.map((delayMs) => ({
            queue: retryQueueName(options.queue, delayMs),
            // Expired messages go back to the handler's queue through the default exchange.
            options: { durable: true, arguments: { 'x-message-ttl': delayMs, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': options.queue } },
          })),
        ],
      },
      (message, channel) => void this.handle({ options, policy, ordered, handler, name }, message, channel),
    );
  }

  onApplicationBootstrap(): void {
    this.bootstrapped();
  }

  beforeApplicationShutdown(): void {
    this.stopping.abort();
  }

  private async handle<T extends object>(
    sub: { options: SubscribeOptions<T>; policy: RetryPolicy; ordered: boolean; handler: SubscriptionHandler<T>; name: string },
    message: ConsumeMessage,
    channel: Channel,
  ): Promise<void> {
    await this.started;
    const headers = { ...(message.properties.headers ?? {}) } as Record<string, unknown>;
    // Through a retry queue a message comes back by the default exchange: where it first came from travels in headers.
    const origin = {
      'x-original-exchange': headers['x-original-exchange'] ?? message.fields.exchange,
      'x-original-routing-key': headers['x-original-routing-key'] ?? message.fields.routingKey,
    };
    const failedBefore = Number(headers[FAILED_ATTEMPTS_HEADER] ?? 0) || 0;
    let body: T;
    try {
      body = decodeBody(message.content, sub.options.body);
    } catch (error) {
      return this.deadLetter(sub.name, sub.options.queue, message, channel, { ...origin, [FAILED_ATTEMPTS_HEADER]: failedBefore }, reasonOf(error));
    }
    for (let attempt = failedBefore + 1; ; attempt++) {
      const context: DeliveryContext = {
        attempt,
        lastAttempt: attempt >= sub.policy.attempts,
        routingKey: String(origin['x-original-routing-key']),
        messageId: message.properties.messageId,
        headers,
      };
      try {
        await sub.handler(body, context);
        settle(channel, (c) => c.ack(message));
        return;
      } catch (error) {
        const reason = reasonOf(error);
        const moved = { ...origin, [FAILED_ATTEMPTS_HEADER]: attempt, [LAST_ERROR_HEADER]: reason };
        if (context.lastAttempt) return this.deadLetter(sub.name, sub.options.queue, message, channel, moved, `handler failed ${attempt} time(s), last: ${reason}`);
        this.logger.warn({ subscription: sub.name, attempt, error: reason }, 'handler failed, will retry');
        const delayMs = retryDelayMs(sub.policy, attempt);
        if (!sub.ordered) return this.moveTo(retryQueueName(sub.options.queue, delayMs), message, channel, moved);
        if (!(await wait(delayMs, this.stopping.signal))) return; // shutting down: unacked, redelivered
      }
    }
  }

  private async deadLetter(name: string, queue: string, message: ConsumeMessage, channel: Channel, headers: Record<string, unknown>, reason: string): Promise<void> {
    this.logger.warn({ subscription: name, routingKey: headers['x-original-routing-key'], reason }, 'dead-lettering a message');
    await this.moveTo(deadLetterQueueName(queue), message, channel, { ...headers, [DEAD_LETTER_REASON_HEADER]: reason });
  }

  /** Publishes a copy (confirmed) to `queue`, then acks the original; when the broker refuses, puts it back after a pause. */
  private async moveTo(queue: string, message: ConsumeMessage, channel: Channel, extraHeaders: Record<string, unknown>): Promise<void> {
    try {
      await this.publisher.publish('', queue, message.content, {
        headers: { ...message.properties.headers, ...extraHeaders },
        messageId: message.properties.messageId,
        persistent: true,
      });
      settle(channel, (c) => c.ack(message));
    } catch (error) {
      this.logger.error(`could not move a message to ${queue}: ${reasonOf(error)}; it goes back to its queue`);
      await wait(REQUEUE_DELAY_MS, this.stopping.signal);
      settle(channel, (c) => c.nack(message, false, true));
    }
  }
}
