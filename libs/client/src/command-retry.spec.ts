import { ErrorCode } from '@app/contracts';
import { ClientCommandError } from './client-error';
import { backoffDelay, sendWithRetry, type RetryPolicy } from './command-retry';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 300, ackTimeoutMs: 50 };
const unavailable = { ok: false as const, error: { code: ErrorCode.UNAVAILABLE, message: 'broker away' } };

describe('commands: retries with backoff', () => {
  it('retries UNAVAILABLE with growing, capped delays, then resolves with the ack', async () => {
    const replies = [unavailable, unavailable, { ok: true as const, status: 'cancelling' }];
    const sleeps: number[] = [];
    const ack = await sendWithRetry(async () => replies.shift()!, policy, async (ms) => void sleeps.push(ms));
    expect(ack).toEqual({ ok: true, status: 'cancelling' });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(75);
    expect(sleeps[0]).toBeLessThanOrEqual(125);
    expect(sleeps[1]).toBeGreaterThanOrEqual(150);
    expect(sleeps[1]).toBeLessThanOrEqual(250);
  });

  it('gives up after the last attempt with a typed UNAVAILABLE error', async () => {
    const send = jest.fn(async () => unavailable);
    const failure = await sendWithRetry(send, policy, async () => undefined).catch((e) => e);
    expect(send).toHaveBeenCalledTimes(4);
    expect(failure).toBeInstanceOf(ClientCommandError);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE', message: 'broker away' });
  });

  it('any other code rejects at once, with its details', async () => {
    const details = [{ field: 'userQuery', reasons: ['too long'] }];
    const send = jest.fn(async () => ({ ok: false as const, error: { code: ErrorCode.VALIDATION_FAILED, message: 'invalid payload: userQuery', details } }));
    const failure = await sendWithRetry(send, policy, async () => undefined).catch((e) => e);
    expect(send).toHaveBeenCalledTimes(1);
    expect(failure).toMatchObject({ name: 'ClientCommandError', code: 'VALIDATION_FAILED', details });
  });

  it('a missing acknowledgement is retried like UNAVAILABLE', async () => {
    let calls = 0;
    const ack = await sendWithRetry(
      async (timeout) => {
        expect(timeout).toBe(50);
        if (++calls < 3) throw new Error('operation has timed out');
        return { ok: true as const };
      },
      policy,
      async () => undefined,
    );
    expect(ack).toEqual({ ok: true });
    expect(calls).toBe(3);
  });

  it('a ClientCommandError thrown by the sender (the token was refused) rejects at once, not retried', async () => {
    const refused = new ClientCommandError({ code: 'UNAUTHORIZED', message: 'the gateway refused the token' });
    const send = jest.fn(async () => {
      throw refused;
    });
    const sleep = jest.fn(async () => undefined);
    await expect(sendWithRetry(send, policy, sleep)).rejects.toBe(refused);
    expect(send).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('the delay doubles up to the cap, jittered by at most a quarter', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0.5))).toEqual([100, 200, 300, 300]);
    expect(backoffDelay(1, policy, () => 0)).toBe(75);
    expect(backoffDelay(1, policy, () => 1)).toBe(125);
  });
});
