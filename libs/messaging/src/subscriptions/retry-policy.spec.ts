import { DEFAULT_RETRY_POLICY, retryDelayMs, retryPolicyOf, retryQueueName, retrySchedule } from './retry-policy';

describe('retry policy', () => {
  it('the default retries 4 times, each wait 5 times the one before', () => {
    expect(retrySchedule(DEFAULT_RETRY_POLICY)).toEqual([1000, 5000, 25_000, 125_000]);
  });

  it('caps each wait at maxDelayMs', () => {
    const policy = retryPolicyOf({ attempts: 6, initialDelayMs: 100, factor: 10, maxDelayMs: 5000 });
    expect(retrySchedule(policy)).toEqual([100, 1000, 5000, 5000, 5000]);
    expect(retryDelayMs(policy, 2)).toBe(1000);
  });

  it('one attempt means no retry', () => {
    expect(retrySchedule(retryPolicyOf({ attempts: 1 }))).toEqual([]);
  });

  it.each([[{ attempts: 0 }], [{ attempts: 1.5 }], [{ initialDelayMs: 0 }], [{ factor: 0.5 }], [{ initialDelayMs: 10, maxDelayMs: 5 }]])('refuses %j', (overrides) => {
    expect(() => retryPolicyOf(overrides)).toThrow('invalid retry policy');
  });

  it('names a delay queue per distinct wait', () => {
    expect(retryQueueName('acme.invoices', 5000)).toBe('acme.invoices.retry.5000ms');
  });
});
