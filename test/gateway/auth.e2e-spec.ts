import type { INestApplication } from '@nestjs/common';
import { closeAll, connectAs, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import { StreamClient } from '../support/stream-client';
import { mintToken } from '../support/tokens';

async function connectError(url: string, auth: Record<string, unknown>): Promise<Error> {
  const attempt = StreamClient.connect(url, { token: auth.token as string | undefined });
  return attempt.then(
    (client) => {
      client.close();
      throw new Error('connection was accepted');
    },
    (error: Error) => error,
  );
}

describe('authentication and authorisation', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startGateway());
  });
  afterAll(() => closeAll(app));

  it.each([
    ['no token', undefined],
    ['a malformed token', 'not-a-jwt'],
    ['a token signed with another secret', mintToken('mallory', { secret: 'some-other-secret-of-length' })],
    ['an expired token', mintToken('alice', { expiresIn: -10 })],
  ])('refuses %s with connect_error "unauthorized"', async (_label, token) => {
    const error = await connectError(url, { token });
    expect(error.message).toBe('unauthorized');
  });

  describe('another user’s request', () => {
    const owner = newUser('owner');
    const requestId = newRequestId();
    let ownerClient: StreamClient;

    beforeAll(async () => {
      ownerClient = await connectAs(url, owner);
      expect(await ownerClient.ack('start', { requestId, userQuery: 'mine' })).toMatchObject({ ok: true });
    });
    afterAll(() => ownerClient.close());

    it('a handshake watch gets an error FORBIDDEN without seq, joins nothing, and keeps the connection', async () => {
      const other = await connectAs(url, newUser('other'), { requestId });
      const refusal = await other.waitFor('error', (m) => m.requestId === requestId);
      expect(refusal).toEqual({ type: 'error', requestId, code: 'FORBIDDEN', message: expect.any(String) });
      expect(refusal).not.toHaveProperty('seq');
      expect(other.states(requestId)).toEqual([]);
      // Nothing of the owner's stream reaches it.
      await ownerClient.ack('cancel', { requestId });
      await ownerClient.waitFor('status', (m) => m.requestId === requestId && m.status === 'cancelling');
      expect(other.events(requestId)).toEqual([]);
      expect(other.socket.connected).toBe(true);
      other.close();
    });

    it.each([
      ['rejoin', { requestId, lastSeq: 0 }],
      ['cancel', { requestId }],
      ['feedback', { requestId, questionId: 'q-1', answer: 'no' }],
    ])('%s is FORBIDDEN', async (event, payload) => {
      const other = await connectAs(url, newUser('other'));
      const reply = await other.ack(event, payload);
      expect(reply).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
      expect(other.states(requestId)).toEqual([]);
      other.close();
    });

    it('start of the same id by another user is CONFLICT; by the owner it is idempotent', async () => {
      const other = await connectAs(url, newUser('other'));
      expect((await other.ack('start', { requestId, userQuery: 'theirs' })).error.code).toBe('CONFLICT');
      other.close();
      const again = await ownerClient.ack('start', { requestId, userQuery: 'mine' });
      expect(again).toEqual({ ok: true, requestId, status: expect.any(String) });
      expect(ownerClient.events(requestId).filter((m) => m.type === 'status' && m.status === 'queued')).toHaveLength(1);
    });

    it('an admin may watch and cancel it', async () => {
      const admin = await connectAs(url, newUser('admin'), { roles: ['admin'] });
      const reply = await admin.ack('rejoin', { requestId, lastSeq: 0 });
      expect(reply).toEqual({ ok: true, seq: expect.any(Number) });
      const state = admin.states(requestId)[0];
      expect(state.seq).toBe(reply.seq);
      expect(state.events!.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: reply.seq }, (_, i) => i + 1));
      expect(await admin.ack('cancel', { requestId })).toEqual({ ok: true, status: expect.any(String) });
      admin.close();
    });

    it('NOT_FOUND for cancel and feedback of a request that does not exist', async () => {
      const client = await connectAs(url, newUser());
      const missing = newRequestId('missing');
      expect((await client.ack('cancel', { requestId: missing })).error.code).toBe('NOT_FOUND');
      expect((await client.ack('feedback', { requestId: missing, questionId: 'q', answer: 'a' })).error.code).toBe('NOT_FOUND');
      client.close();
    });
  });
});
