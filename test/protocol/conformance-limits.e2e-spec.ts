/**
 * docs/protocol.md §1 configurable limits: the rate limit (RATE_LIMITED without
 * closing the socket, other sockets unaffected) and the replay limit of
 * `rejoin` (`events` = the last N, `truncated: true`). The variable names are
 * the README's (RATE_LIMIT_PER_SECOND, REPLAY_LIMIT).
 */
import { expectFailure, expectGapFree, rid, sleep, uid } from './client';
import { productUnderTest } from './product';

const RATE = 5;
const REPLAY = 5;

describe('PROTOCOL §1 configurable limits', () => {
  const saved = { rate: process.env.RATE_LIMIT_PER_SECOND, replay: process.env.REPLAY_LIMIT };
  // Registered before the product's hooks, so the gateway starts with these limits.
  beforeAll(() => {
    process.env.RATE_LIMIT_PER_SECOND = String(RATE);
    process.env.REPLAY_LIMIT = String(REPLAY);
  });
  const { connect } = productUnderTest();
  afterAll(() => {
    const restore = (key: string, value: string | undefined) => (value === undefined ? delete process.env[key] : (process.env[key] = value));
    restore('RATE_LIMIT_PER_SECOND', saved.rate);
    restore('REPLAY_LIMIT', saved.replay);
  });

  describe('rate limit', () => {
    it('beyond the configured rate: RATE_LIMITED acks, the socket stays open and recovers; other sockets unaffected', async () => {
      await sleep(1100);
      const noisy = await connect(uid());
      const quiet = await connect(uid());
      const burst = 6 * RATE;
      const acks = await Promise.all(Array.from({ length: burst }, () => noisy.ack('rejoin', { requestId: rid('rl') })));
      const limited = acks.filter((a) => a.ok === false);
      const accepted = acks.filter((a) => a.ok === true);
      expect(limited.length).toBeGreaterThan(0);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(accepted.length).toBeLessThan(burst);
      for (const ack of limited) expectFailure(ack, 'RATE_LIMITED');
      for (const ack of accepted) expect(ack).toEqual({ ok: true, seq: 0 });
      // limited commands were not carried out: no state for them
      await sleep(200);
      expect(noisy.of('state')).toHaveLength(accepted.length);
      expect(noisy.socket.connected).toBe(true);
      // other sockets are unaffected
      expect(await quiet.ack('rejoin', { requestId: rid('rl') })).toEqual({ ok: true, seq: 0 });
      // and the noisy one recovers
      await sleep(1200);
      expect(await noisy.ack('rejoin', { requestId: rid('rl') })).toEqual({ ok: true, seq: 0 });
      expect(noisy.socket.connected).toBe(true);
    });

    it('invalid commands count too, and a limited start is not carried out', async () => {
      const client = await connect(uid());
      for (let i = 0; i < 4 * RATE; i++) client.socket.emit('leave', { bogus: i });
      const requestId = rid('rl');
      const ack = await client.ack('start', { requestId, userQuery: 'limited?', context: { demo: { steps: 1, stepDelayMs: 10 } } });
      if (ack.ok === false) {
        expectFailure(ack, 'RATE_LIMITED');
        await sleep(1200);
        const probe = await connect(uid());
        // not created: another user may start it now (no CONFLICT)
        expect(await probe.ack('start', { requestId, userQuery: 'free id', context: { demo: { steps: 1, stepDelayMs: 10 } } })).toMatchObject({ ok: true });
        await probe.done(requestId);
      } else {
        await client.done(requestId);
      }
      expect(client.socket.connected).toBe(true);
    });
  });

  describe(`replay limit (${REPLAY})`, () => {
    it('more than the limit missed: events = the last N, truncated: true; exactly N missed: all of them, no truncated', async () => {
      await sleep(1100);
      const user = uid();
      const starter = await connect(user);
      const requestId = rid('rp');
      await starter.ack('start', { requestId, userQuery: 'many events', context: { demo: { steps: 4, stepDelayMs: 10 } } });
      const completed = await starter.done(requestId);
      await sleep(100);
      const all = starter.live(requestId);
      expectGapFree(all.map((m) => m.seq));
      expect(completed.seq).toBeGreaterThan(REPLAY + 2);

      const check = async (lastSeq: number) => {
        const c = await connect(user);
        const ack = await c.ack('rejoin', { requestId, lastSeq });
        const state = await c.waitFor('state');
        expect(ack).toEqual({ ok: true, seq: state.seq });
        c.close();
        return state;
      };
      const truncated = await check(0);
      expect(truncated.truncated).toBe(true);
      expect(truncated.events).toEqual(all.slice(-REPLAY));
      expect(truncated.status).toBe('completed');

      const justOver = await check(completed.seq - REPLAY - 1);
      expect(justOver.truncated).toBe(true);
      expect(justOver.events).toEqual(all.slice(-REPLAY));

      const exact = await check(completed.seq - REPLAY);
      expect('truncated' in exact).toBe(false);
      expect(exact.events).toEqual(all.slice(-REPLAY));

      const fewer = await check(completed.seq - 2);
      expect('truncated' in fewer).toBe(false);
      expect(fewer.events).toEqual(all.slice(-2));
    });
  });
});
