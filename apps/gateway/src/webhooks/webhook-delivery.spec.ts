import { retrySchedule } from '@app/messaging';
import { WEBHOOK_RETRY, webhookIdOf, webhookOf, webhookRetrySpanSeconds } from './webhook-delivery';

describe('webhook retry schedule (docs/protocol.md §3)', () => {
  it('retries first within 30 s', () => {
    expect(retrySchedule(WEBHOOK_RETRY)[0]).toBeLessThanOrEqual(30_000);
  });

  it('keeps trying for at least an hour, and gives up within three', () => {
    expect(webhookRetrySpanSeconds()).toBeGreaterThanOrEqual(3600);
    expect(webhookRetrySpanSeconds()).toBeLessThan(3 * 3600);
  });

  it('backs off: no wait shorter than the one before', () => {
    const schedule = retrySchedule(WEBHOOK_RETRY);
    expect(schedule).toEqual([...schedule].sort((a, b) => a - b));
  });
});

describe('the webhook body', () => {
  it('is { type, timestamp, data } with data = the request.completed message plus owner, and an id per request', () => {
    const message = { type: 'request.completed' as const, requestId: 'r-1', seq: 9, ts: '2026-12-06T12:00:00.000Z', status: 'completed' as const, result: { a: 1 } };
    expect(webhookOf(message, 'alice')).toEqual({ type: 'request.completed', timestamp: message.ts, data: { ...message, owner: 'alice' } });
    expect(webhookIdOf(message)).toBe('msg_r-1_9');
  });
});
