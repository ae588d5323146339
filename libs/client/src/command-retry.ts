import { ErrorCode, type AckFailure } from '@app/contracts/wire';
import { ClientCommandError } from './client-error';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles each time, with jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one try waits for its acknowledgement. */
  ackTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 5000, ackTimeoutMs: 10_000 };

type Ack = { ok: true } | AckFailure;

/** Time before retry `n` (1-based): exponential, capped, with ±25 % jitter so clients do not retry in step. */
export function backoffDelay(n: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exact = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  return Math.round(exact * (0.75 + random() * 0.5));
}

/**
 * Sends a command until it is acknowledged, retrying with backoff while the
 * gateway answers `UNAVAILABLE` or no acknowledgement comes (commands are
 * idempotent, docs/protocol.md §1). Any other failure, or a ClientCommandError
 * thrown by `send`, rejects at once.
 */
export async function sendWithRetry<A extends Ack>(
  send: (ackTimeoutMs: number) => Promise<A>,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<Exclude<A, AckFailure>> {
  let last: ClientCommandError | undefined;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await sleep(backoffDelay(attempt - 1, policy));
    let ack: A;
    try {
      ack = await send(policy.ackTimeoutMs);
    } catch (error) {
      // The client itself knows the command cannot go through (token refused, client closed): no retry helps.
      if (error instanceof ClientCommandError) throw error;
      last = new ClientCommandError({ code: ErrorCode.UNAVAILABLE, message: `no acknowledgement within ${policy.ackTimeoutMs} ms` });
      continue;
    }
    if (ack.ok) return ack as Exclude<A, AckFailure>;
    last = new ClientCommandError(ack.error);
    if (ack.error.code !== ErrorCode.UNAVAILABLE) break;
  }
  throw last;
}
