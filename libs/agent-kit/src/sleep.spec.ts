import { sleep } from './sleep';

describe('sleep', () => {
  it('waits the given time', async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 5);
    await expect(waiting).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects at once when already aborted', async () => {
    await expect(sleep(10_000, AbortSignal.abort('gone'))).rejects.toBe('gone');
  });
});
