/**
 * docs/protocol.md §1 "Handshake": token checks, the `requestId` query, refused watch, admin watch, transports.
 */
import { createHmac } from 'node:crypto';
import { loadConfig } from '@app/config';
import { mintToken } from '../support/tokens';
import { Client, connectError, expectGapFree, isIsoTs, rid, sleep, uid } from './client';
import { demo, productUnderTest } from './product';

const b64 = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
function signHs256(payload: object, secret: string, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

describe('PROTOCOL §1 handshake', () => {
  const product = productUnderTest();
  const { connect, track } = product;

  describe('a refused token: connect_error "unauthorized" and nothing else', () => {
    const secret = () => loadConfig().jwtSecret;
    const cases: Array<[string, () => unknown, 'token' | 'auth']> = [
      ['no token at all', () => undefined, 'auth'],
      ['an empty string', () => '', 'token'],
      ['a malformed token', () => 'not-a-jwt', 'token'],
      ['a non-string token', () => 12345, 'token'],
      ['a token signed with another secret', () => mintToken(uid(), { secret: 'another-secret-of-enough-length-0123456789' }), 'token'],
      ['an expired token', () => signHs256({ sub: uid(), roles: [], iat: now() - 120, exp: now() - 60 }, secret()), 'token'],
      ['a token without sub', () => signHs256({ roles: [], iat: now(), exp: now() + 3600 }, secret()), 'token'],
      ['an unsigned (alg none) token', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: uid(), exp: now() + 3600 })}.`, 'token'],
    ];
    it.each(cases)('%s', async (_name, token) => {
      const requestId = rid('hs');
      const client = track(Client.open(product.url, { token: token(), requestId }));
      const err = await connectError(client);
      expect(err.message).toBe('unauthorized');
      await sleep(300);
      expect(client.received).toEqual([]);
      expect(client.socket.connected).toBe(false);
    });

    it('a token with roles and exp but a tampered payload is refused', async () => {
      const good = mintToken(uid());
      const [h, , s] = good.split('.');
      const forged = `${h}.${b64({ sub: 'someone-else', roles: ['admin'], exp: now() + 3600 })}.${s}`;
      const client = track(Client.open(product.url, { token: forged }));
      expect((await connectError(client)).message).toBe('unauthorized');
    });
  });

  it('a valid token without requestId connects and receives nothing', async () => {
    const client = await connect(uid());
    await sleep(300);
    expect(client.received).toEqual([]);
  });

  it('requestId of a request that does not exist: one state unknown, seq 0, empty lists, no events', async () => {
    const requestId = rid('hs');
    const client = await connect(uid(), { requestId });
    const state = await client.waitFor('state');
    await sleep(300);
    expect(client.received.map((r) => r.event)).toEqual(['state']);
    expect(state).toMatchObject({ type: 'state', requestId, seq: 0, status: 'unknown', agents: [], steps: [], pendingQuestions: [] });
    expect('events' in state).toBe(false);
    expect('truncated' in state).toBe(false);
  });

  it('connect first with the id, then start on that socket: joins at once, sees every seq from 1, no second state', async () => {
    const requestId = rid('hs');
    const client = await connect(uid(), { requestId });
    await client.waitFor('state');
    const ack = await client.ack('start', { requestId, userQuery: 'connect then start', context: demo({ steps: 2 }) });
    expect(ack).toMatchObject({ ok: true, requestId });
    await client.done(requestId);
    await sleep(100);
    expectGapFree(client.live(requestId).map((m) => m.seq));
    expect(client.states(requestId)).toHaveLength(1);
  });

  it("requestId of another user's request: error FORBIDDEN with requestId/code/message and no seq, no room, connection kept", async () => {
    const owner = await connect(uid());
    const requestId = rid('hs');
    expect(await owner.ack('start', { requestId, userQuery: 'mine', context: demo({ steps: 3, stepDelayMs: 150 }) })).toMatchObject({ ok: true });

    const stranger = await connect(uid(), { requestId });
    const error = await stranger.waitFor('error');
    expect(error).toEqual({ type: 'error', requestId, code: 'FORBIDDEN', message: expect.any(String) });
    expect(error.message.length).toBeGreaterThan(0);
    expect('seq' in error).toBe(false);

    await owner.done(requestId);
    await sleep(200);
    expect(stranger.socket.connected).toBe(true);
    expect(stranger.received.map((r) => r.event)).toEqual(['error']);
    // connection kept: the socket still takes commands
    const own = rid('hs');
    expect(await stranger.ack('rejoin', { requestId: own })).toEqual({ ok: true, seq: 0 });
  });

  it('an admin may watch any request: state of the real request', async () => {
    const owner = await connect(uid());
    const requestId = rid('hs');
    await owner.ack('start', { requestId, userQuery: 'watched by admin', context: demo({ steps: 3, stepDelayMs: 100 }) });
    const admin = await connect(uid('admin'), { requestId, roles: ['admin'] });
    const state = await admin.waitFor('state');
    expect(state.requestId).toBe(requestId);
    expect(state.status).not.toBe('unknown');
    expect(state.userQuery).toBe('watched by admin');
    const completed = await admin.done(requestId);
    expect(completed.status).toBe('completed');
    // after the state with seq n, live delivery continues with n+1, n+2 … each once
    const seqs = admin.live(requestId).map((m) => m.seq);
    expectGapFree(seqs, state.seq + 1);
    expect(admin.of('error')).toEqual([]);
  });

  it('a late watcher of a finished request gets the full snapshot (status, agents, steps, result, ISO dates)', async () => {
    const user = uid();
    const starter = await connect(user);
    const requestId = rid('hs');
    await starter.ack('start', { requestId, userQuery: 'late joiner', context: demo({ steps: 3 }) });
    const completed = await starter.done(requestId);
    const last = Math.max(...starter.live(requestId).map((m) => m.seq));

    const late = await connect(user, { requestId });
    const state = await late.waitFor('state');
    expect(state.type).toBe('state');
    expect(state.seq).toBe(last);
    expect(state.status).toBe('completed');
    expect(state.userQuery).toBe('late joiner');
    expect(isIsoTs(state.createdAt)).toBe(true);
    expect(isIsoTs(state.updatedAt)).toBe(true);
    expect(Date.parse(state.updatedAt)).toBeGreaterThanOrEqual(Date.parse(state.createdAt));
    expect(state.pendingQuestions).toEqual([]);
    expect('events' in state).toBe(false);
    const agentNames = state.agents.map((a: any) => a.agent);
    expect(agentNames).toEqual(expect.arrayContaining(['thought-agent', 'executor-agent']));
    for (const a of state.agents) expect(a.status).toBe('completed');
    const executorSteps = state.steps.filter((s: any) => s.agent === 'executor-agent');
    expect(executorSteps.map((s: any) => s.step).sort()).toEqual([1, 2, 3]);
    for (const s of executorSteps) expect(s.status).toBe('completed');
    for (const s of state.steps) {
      expect(typeof s.agent).toBe('string');
      expect(typeof s.step).toBe('number');
      expect(['running', 'completed', 'failed']).toContain(s.status);
    }
    if ('result' in completed) expect(state.result).toEqual(completed.result);
  });

  it("the polling transport works too (state for the handshake's requestId)", async () => {
    const requestId = rid('hs');
    const client = await connect(uid(), { requestId, transports: ['polling'] });
    const state = await client.waitFor('state');
    expect(state).toMatchObject({ requestId, seq: 0, status: 'unknown' });
    const ack = await client.ack('start', { requestId, userQuery: 'over polling', context: demo({ steps: 1 }) });
    expect(ack).toMatchObject({ ok: true, requestId });
    await client.done(requestId);
    expectGapFree(client.live(requestId).map((m) => m.seq));
  });

  it('a handshake requestId of the wrong form: connection kept, no state (README: error VALIDATION_FAILED without seq)', async () => {
    const client = await connect(uid(), { requestId: '-bad id!' });
    await sleep(300);
    expect(client.socket.connected).toBe(true);
    expect(client.of('state')).toEqual([]);
    const errors = client.of('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.any(String) });
    expect('seq' in errors[0]).toBe(false);
  });

  it('a watcher of a not-yet-existing id never sees the events of another user who then creates it', async () => {
    const requestId = rid('hs');
    const early = await connect(uid(), { requestId });
    await early.waitFor('state');
    const owner = await connect(uid());
    await owner.ack('start', { requestId, userQuery: 'not yours', context: demo({ steps: 1 }) });
    await owner.done(requestId);
    await sleep(200);
    expect(early.live(requestId).filter((m) => typeof m.seq === 'number')).toEqual([]);
    expect(early.of('state').filter((s) => s.status !== 'unknown')).toEqual([]);
  });
});
