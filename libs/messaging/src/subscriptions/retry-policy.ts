/**
 * How a failing handler is retried: attempt n + 1 runs `delayMs(n)` after
 * attempt n failed, up to `attempts` attempts in all; then the message is
 * dead-lettered with its last error. Never a hot requeue loop.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (1: no retry). */
  attempts: number;
  /** Wait before the first retry. */
  initialDelayMs: number;
  /** Each later wait is the one before times this. */
  factor: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/** 1 s, 5 s, 25 s, 2 min: five attempts over about 2.5 minutes. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialDelayMs: 1000, factor: 5, maxDelayMs: 125_000 };

/** The policy with `overrides`, checked: a bad value is a programming error, reported at start-up. */
export function retryPolicyOf(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  const problems = [
    Number.isInteger(policy.attempts) && policy.attempts >= 1 ? '' : 'attempts must be a whole number ≥ 1',
    policy.initialDelayMs >= 1 ? '' : 'initialDelayMs must be ≥ 1',
    policy.factor >= 1 ? '' : 'factor must be ≥ 1',
    policy.maxDelayMs >= policy.initialDelayMs ? '' : 'maxDelayMs must be ≥ initialDelayMs',
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`invalid retry policy ${JSON.stringify(overrides)}: ${problems.join('; ')}`);
  return policy;
}

/** The wait after failed attempt `failed` (1-based) before the next one, in whole milliseconds. */
export function retryDelayMs(policy: RetryPolicy, failed: number): number {
  return Math.round(Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (failed - 1)));
}

/** Every wait of the policy, in order: one per retry (attempts − 1 of them). */
export function retrySchedule(policy: RetryPolicy): number[] {
  return Array.from({ length: policy.attempts - 1 }, (_, i) => retryDelayMs(policy, i + 1));
}

/**
 * The delay queue that holds a message for `delayMs` before it returns to
 * `queue`. One queue per distinct delay, because RabbitMQ expires messages
 * only at a queue's head: a short wait behind a long one would wait as long.
 */
export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead`;
}
