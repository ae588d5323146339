import { CommandRateLimiter } from './command-rate-limiter';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** How many of `count` commands sent at once are let through. */
const takeMany = (limiter: CommandRateLimiter, count: number) => Array.from({ length: count }, () => limiter.tryTake()).filter(Boolean).length;

describe('CommandRateLimiter (RATE_LIMITED: more commands per second than allowed)', () => {
  it('lets a burst of up to the limit through at once', () => {
    const clock = fakeClock();
    const limiter = new CommandRateLimiter(20, clock.now);
    for (let i = 0; i < 20; i++) expect(limiter.tryTake()).toBe(true);
  });

  it('refuses the command past the limit', () => {
    const clock = fakeClock();
    const limiter = new CommandRateLimiter(20, clock.now);
    expect(takeMany(limiter, 20)).toBe(20);
    expect(limiter.tryTake()).toBe(false);
    expect(limiter.tryTake()).toBe(false);
  });

  it('refills over time: one command every 1/limit of a second', () => {
    const clock = fakeClock();
    const limiter = new CommandRateLimiter(20, clock.now);
    takeMany(limiter, 20);
    clock.advance(49);
    expect(limiter.tryTake()).toBe(false);
    clock.advance(1); // 50 ms = one token at 20/s
    expect(limiter.tryTake()).toBe(true);
    expect(limiter.tryTake()).toBe(false);
  });

  it('after a full second the whole burst is available again', () => {
    const clock = fakeClock();
    const limiter = new CommandRateLimiter(20, clock.now);
    takeMany(limiter, 25);
    clock.advance(1000);
    expect(takeMany(limiter, 25)).toBe(20);
  });

  it('never saves up more than one burst, however long the socket was idle', () => {
    const clock = fakeClock();
    const limiter = new CommandRateLimiter(20, clock.now);
    clock.advance(60_000);
    expect(takeMany(limiter, 100)).toBe(20);
  });

  it('keeps to the limit on average when commands come steadily', () => {
    const clock = fakeClock();
    const limiter = new CommandRateLimiter(50, clock.now);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 5) {
      if (limiter.tryTake()) allowed++;
      clock.advance(5);
    }
    // 200 attempts a second for 10 s: the first burst plus 50 a second.
    expect(allowed).toBeGreaterThanOrEqual(500);
    expect(allowed).toBeLessThanOrEqual(550);
  });

  it('refused commands do not use up tokens', () => {
    const clock = fakeClock();
    const limiter = new CommandRateLimiter(10, clock.now);
    takeMany(limiter, 10);
    takeMany(limiter, 100);
    clock.advance(100);
    expect(limiter.tryTake()).toBe(true);
  });
});
