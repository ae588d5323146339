import { IsObject, IsString, Matches } from 'class-validator';
import type { RequestCompletedMessage } from '@app/contracts';
import { retryPolicyOf, retrySchedule } from '@app/messaging';

/** Where the webhook jobs travel: one message per (finished request, URL). */
export const WEBHOOK_EXCHANGE = 'agent-stream.webhooks';
export const WEBHOOK_ROUTING_KEY = 'delivery';
export const WEBHOOK_QUEUE = 'agent-stream.webhooks.deliveries';

/**
 * 5 s, 15 s, 45 s, … capped at 30 min: the first retry well within 30 s,
 * the last attempt about two hours after the first (docs/protocol.md §3: at
 * least an hour).
 */
export const WEBHOOK_RETRY = retryPolicyOf({ attempts: 10, initialDelayMs: 5000, factor: 3, maxDelayMs: 30 * 60_000 });

/** Seconds from the first attempt to the last, for the docs and the test that holds the schedule to the protocol. */
export const webhookRetrySpanSeconds = () => retrySchedule(WEBHOOK_RETRY).reduce((sum, ms) => sum + ms, 0) / 1000;

/** The Standard Webhooks body of a finished request. */
export interface RequestCompletedWebhook {
  type: 'request.completed';
  /** When the request ended (its `request.completed` message's `ts`). */
  timestamp: string;
  data: RequestCompletedMessage & { owner: string };
}

/** One POST to make (and retry) to one URL. */
export class WebhookDelivery {
  @IsString() @Matches(/^https?:\/\//)
  url!: string;

  /** `webhook-id`: the same on every attempt, so the receiver can drop repeats. */
  @IsString()
  webhookId!: string;

  @IsObject()
  body!: RequestCompletedWebhook;
}

export function webhookOf(message: RequestCompletedMessage, owner: string): RequestCompletedWebhook {
  return { type: 'request.completed', timestamp: message.ts, data: { ...message, owner } };
}

/** Unique per finished request (a request completes once). */
export const webhookIdOf = (message: RequestCompletedMessage) => `msg_${message.requestId}_${message.seq}`;
