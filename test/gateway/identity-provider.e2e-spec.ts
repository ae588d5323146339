/**
 * docs/protocol.md §5 `JWT_JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_ROLES_CLAIM`:
 * RS256 / ES256 tokens verified with an identity provider's keys (a JWKS
 * served here on a local port, keys generated in the test), for socket
 * handshakes (§1) and the admin API (§3). JWT_SECRET is unset: the
 * gateway accepts the provider's tokens only (README, Protocol notes).
 */
import type { INestApplication } from '@nestjs/common';
import { io } from 'socket.io-client';
import { http } from '../support/admin-http';
import { closeAll, handshakeOutcome, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import { JwksServer, newSigningKey, signWith, type SigningKey } from '../support/identity-provider';
import { StreamClient } from '../support/stream-client';
import { mintToken } from '../support/tokens';

const ISSUER = 'https://idp.example.com/realms/main';
const AUDIENCE = 'agent-stream';
const COOLDOWN_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


describe('tokens from an identity provider (JWT_JWKS_URL)', () => {
  let app: INestApplication;
  let url: string;
  let jwks: JwksServer;
  let rsa: SigningKey;
  let ec: SigningKey;
  let stranger: SigningKey;
  /** Claims every accepted token carries. */
  const valid = (sub: string, roles: string[] = []) => ({ sub, iss: ISSUER, aud: ['account', AUDIENCE], realm_access: { roles } });

  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([newSigningKey('RS256', 'rsa-1'), newSigningKey('ES256', 'ec-1'), newSigningKey('RS256', 'rsa-1')]);
    jwks = await JwksServer.start([rsa, ec]);
    ({ app, url } = await startGateway({
      JWT_SECRET: undefined,
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ROLES_CLAIM: 'realm_access.roles',
      JWT_JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
      // One socket per user: the hang-up test below shows a slot is not lost.
      MAX_CONNECTIONS_PER_USER: '1',
    }));
  });
  afterAll(async () => {
    await closeAll(app);
    await jwks?.close();
  });

  it.each(['RS256', 'ES256'])('accepts a %s token signed by the provider', async (alg) => {
    const token = await signWith(alg === 'RS256' ? rsa : ec, valid(newUser()));
    expect(await handshakeOutcome(url, token)).toBe('connected');
  });

  it.each([
    ['signed by another key (same kid)', () => signWith(stranger, valid(newUser()))],
    ['from another issuer', () => signWith(rsa, { ...valid(newUser()), iss: 'https://evil.example.com' })],
    ['for another audience', () => signWith(ec, { ...valid(newUser()), aud: 'account' })],
    ['without an audience', () => signWith(rsa, { sub: newUser(), iss: ISSUER })],
    ['expired', () => signWith(rsa, { ...valid(newUser()), exp: Math.floor(Date.now() / 1000) - 60 })],
    ['HS256 with the development secret (JWT_SECRET is unset)', async () => mintToken(newUser())],
  ])("refuses a token %s with connect_error 'unauthorized'", async (_case, token) => {
    expect(await handshakeOutcome(url, await token())).toBe('unauthorized');
  });

  it('fetches the key set once and then verifies from its cache', async () => {
    const before = jwks.fetches;
    const results = await Promise.all(Array.from({ length: 20 }, async () => handshakeOutcome(url, await signWith(rsa, valid(newUser())))));
    expect(results).toEqual(Array(20).fill('connected'));
    expect(before).toBe(1);
    expect(jwks.fetches).toBe(1);
  });

  describe('roles from a nested claim (JWT_ROLES_CLAIM=realm_access.roles)', () => {
    const owner = newUser('owner');
    const requestId = newRequestId();

    beforeAll(async () => {
      const client = await StreamClient.connect(url, { token: await signWith(rsa, valid(owner)) });
      expect(await client.ack('start', { requestId, userQuery: 'mine' })).toMatchObject({ ok: true });
      client.close();
    });

    it("realm_access.roles with admin makes an admin: it may watch another user's request", async () => {
      const admin = await StreamClient.connect(url, { token: await signWith(ec, valid(newUser('ops'), ['offline_access', 'admin'])), requestId });
      const state = await admin.waitFor('state', (m) => m.requestId === requestId);
      expect(state).toMatchObject({ requestId, seq: expect.any(Number) });
      expect(admin.received.filter((r) => r.event === 'error')).toEqual([]);
      admin.close();
    });

    it('a top-level `roles` claim grants nothing when another claim is configured', async () => {
      const token = await signWith(rsa, { ...valid(newUser('mallory')), roles: ['admin'] });
      const mallory = await StreamClient.connect(url, { token, requestId });
      expect(await mallory.waitFor('error', (m) => m.requestId === requestId)).toMatchObject({ code: 'FORBIDDEN' });
      mallory.close();
    });

    it('the admin API accepts a provider-signed admin token and refuses the others', async () => {
      const ops = await signWith(rsa, valid(newUser('ops'), ['admin']));
      const page = await http(url, `/admin/requests?owner=${owner}`, { token: ops });
      expect(page.status).toBe(200);
      expect(page.body.items.map((item: { requestId: string }) => item.requestId)).toEqual([requestId]);

      expect((await http(url, '/admin/requests', { token: await signWith(ec, valid(newUser('user'), ['viewer'])) })).status).toBe(403);
      expect((await http(url, '/admin/requests', { token: await signWith(rsa, { ...valid('ops', ['admin']), aud: 'account' }) })).status).toBe(401);
      expect((await http(url, '/admin/requests', { token: mintToken('ops', { roles: ['admin'] }) })).status).toBe(401);
    });
  });

  it('picks up a rotated key: a token with a new kid makes the gateway refetch the key set', async () => {
    const rotated = await newSigningKey('ES256', 'ec-2');
    const token = await signWith(rotated, valid(newUser()));
    expect(await handshakeOutcome(url, token)).toBe('unauthorized');
    jwks.published = [rotated, rsa];
    await sleep(COOLDOWN_MS + 100);
    expect(await handshakeOutcome(url, token)).toBe('connected');
  });

  it('a client that hangs up while its token is verified (slow provider) leaves its connection slot free', async () => {
    const user = newUser('impatient');
    const rotated = await newSigningKey('RS256', 'rsa-3');
    const token = await signWith(rotated, valid(user));
    jwks.published = [rotated, rsa, ec];
    jwks.delayMs = 800;
    await sleep(COOLDOWN_MS + 100);
    const fetchesBefore = jwks.fetches;
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
    await sleep(300);
    expect(jwks.fetches).toBe(fetchesBefore + 1); // its verification is waiting on the provider
    socket.close();
    await sleep(800);
    jwks.delayMs = 0;
    // MAX_CONNECTIONS_PER_USER=1: a slot kept for the vanished socket would refuse this.
    expect(await handshakeOutcome(url, token)).toBe('connected');
  });

  it('an unreachable provider: a token needing a refetch is unauthorized, cached keys keep working', async () => {
    await jwks.close();
    await sleep(COOLDOWN_MS + 100);
    const unknownKid = await signWith(await newSigningKey('ES256', 'ec-9'), valid(newUser()));
    expect(await handshakeOutcome(url, unknownKid)).toBe('unauthorized');
    expect(await handshakeOutcome(url, await signWith(rsa, valid(newUser())))).toBe('connected');
  });
});
