import { JwtService } from '@nestjs/jwt';
import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { signToken } from './sign-token';
import { TokenService } from './token.service';

const SECRET = 'unit-test-secret-0123456789';

/** Signs HS256 tokens with `secret`. */
const jwtWith = (secret: string) => new JwtService({ secret, signOptions: { algorithm: 'HS256' } });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('TokenService with JWT_SECRET only (docs/protocol.md §1 handshake `auth.token`)', () => {
  const jwt = jwtWith(SECRET);
  const tokens = new TokenService({ secret: SECRET, rolesClaim: 'roles' });

  describe('accepts', () => {
    it('a valid token: the principal is its sub with no roles', async () => {
      expect(await tokens.verify(jwt.sign({ sub: 'user-1' }, { expiresIn: 60 }))).toEqual({ userId: 'user-1', roles: [], isAdmin: false });
    });

    it('a token with roles', async () => {
      expect(await tokens.verify(jwt.sign({ sub: 'user-1', roles: ['viewer'] }))).toEqual({ userId: 'user-1', roles: ['viewer'], isAdmin: false });
    });

    it('a token with the admin role: isAdmin', async () => {
      expect(await tokens.verify(jwt.sign({ sub: 'ops', roles: ['viewer', 'admin'] }))).toEqual({ userId: 'ops', roles: ['viewer', 'admin'], isAdmin: true });
    });

    it('a token signed by signToken (dev scripts, tests)', async () => {
      expect(await tokens.verify(signToken(SECRET, { sub: 'user-2', roles: ['admin'] }, 60))).toEqual({ userId: 'user-2', roles: ['admin'], isAdmin: true });
    });
  });

  describe('refuses (null)', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['an empty string', ''],
      ['a number', 42],
      ['an object', { token: 'x' }],
    ])('a missing token: %s', async (_case, token) => {
      expect(await tokens.verify(token)).toBeNull();
    });

    it.each([
      ['garbage', 'not-a-jwt'],
      ['two parts', 'abc.def'],
      ['bad base64 JSON', 'a.b.c'],
    ])('a malformed token: %s', async (_case, token) => {
      expect(await tokens.verify(token)).toBeNull();
    });

    it('a token signed with another secret', async () => {
      expect(await tokens.verify(jwtWith('another-secret-0123456789').sign({ sub: 'user-1' }))).toBeNull();
    });

    it('a token whose payload was changed after signing', async () => {
      const [header, , signature] = jwt.sign({ sub: 'user-1', roles: [] }).split('.');
      expect(await tokens.verify(`${header}.${base64url({ sub: 'user-1', roles: ['admin'] })}.${signature}`)).toBeNull();
    });

    it('an expired token', async () => {
      expect(await tokens.verify(jwt.sign({ sub: 'user-1', exp: nowSeconds() - 60 }))).toBeNull();
    });

    it('a token not valid yet', async () => {
      expect(await tokens.verify(jwt.sign({ sub: 'user-1', nbf: nowSeconds() + 3600 }))).toBeNull();
    });

    it('a token without sub', async () => {
      expect(await tokens.verify(jwt.sign({ roles: ['admin'] }))).toBeNull();
    });

    it('a token with an empty sub', async () => {
      expect(await tokens.verify(jwt.sign({ sub: '' }))).toBeNull();
    });

    it.each([
      ['a string', 'admin'],
      ['an object', { admin: true }],
      ['an array with a non-string', ['admin', 1]],
    ])('a token whose roles is %s', async (_case, roles) => {
      expect(await tokens.verify(jwt.sign({ sub: 'user-1', roles }))).toBeNull();
    });

    it('an unsigned token (alg: none)', async () => {
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'user-1', roles: ['admin'] })}.`;
      expect(await tokens.verify(unsigned)).toBeNull();
    });

    it('a token signed with another algorithm (HS512) than the configured HS256', async () => {
      const hs512 = new JwtService({ secret: SECRET }).sign({ sub: 'user-1' }, { algorithm: 'HS512' });
      expect(await tokens.verify(hs512)).toBeNull();
    });
  });
});

/** An identity provider's key: signs tokens; its public half goes into the key set. */
async function providerKey(alg: 'RS256' | 'ES256', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  // Five minutes unless the claims say otherwise.
  const sign = (claims: JWTPayload, header: { kid?: string } = {}) =>
    new SignJWT({ exp: nowSeconds() + 300, ...claims }).setProtectedHeader({ alg, kid, ...header }).sign(privateKey as KeyLike);
  return { jwk, publicKey, sign };
}

describe('TokenService with an identity provider key set (JWT_JWKS_URL)', () => {
  const ISSUER = 'https://idp.example.com/realms/main';
  const AUDIENCE = 'agent-stream';
  let rsa: Awaited<ReturnType<typeof providerKey>>;
  let ec: Awaited<ReturnType<typeof providerKey>>;
  let stranger: Awaited<ReturnType<typeof providerKey>>;
  let keys: ReturnType<typeof createLocalJWKSet>;

  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([providerKey('RS256', 'rsa-1'), providerKey('ES256', 'ec-1'), providerKey('RS256', 'rsa-1')]);
    keys = createLocalJWKSet({ keys: [rsa.jwk, ec.jwk] });
  });

  describe('JWKS only (no JWT_SECRET)', () => {
    const service = () => new TokenService({ keys, rolesClaim: 'roles' });

    it.each(['RS256', 'ES256'] as const)('accepts a %s token signed by the provider', async (alg) => {
      const token = await (alg === 'RS256' ? rsa : ec).sign({ sub: 'alice', roles: ['viewer'] });
      expect(await service().verify(token)).toEqual({ userId: 'alice', roles: ['viewer'], isAdmin: false });
    });

    it('refuses a token signed by another key with the same kid', async () => {
      expect(await service().verify(await stranger.sign({ sub: 'alice' }))).toBeNull();
    });

    it('refuses a token whose kid is not in the key set', async () => {
      expect(await service().verify(await stranger.sign({ sub: 'alice' }, { kid: 'rsa-unknown' }))).toBeNull();
    });

    it('refuses an expired token', async () => {
      expect(await service().verify(await rsa.sign({ sub: 'alice', exp: nowSeconds() - 60 }))).toBeNull();
    });

    it('refuses HS256 tokens, even signed with the development secret', async () => {
      expect(await service().verify(signToken(SECRET, { sub: 'alice' }, 60))).toBeNull();
    });

    it('refuses an HS256 token whose secret is the provider\'s public key (algorithm confusion)', async () => {
      const pem = await exportSPKI(rsa.publicKey as KeyLike);
      const forged = new JwtService({ secret: pem }).sign({ sub: 'alice', roles: ['admin'] }, { algorithm: 'HS256', header: { alg: 'HS256', kid: 'rsa-1' } });
      expect(await service().verify(forged)).toBeNull();
    });

    it('refuses an unsigned token (alg: none)', async () => {
      const unsigned = `${base64url({ alg: 'none', kid: 'rsa-1' })}.${base64url({ sub: 'alice', roles: ['admin'] })}.`;
      expect(await service().verify(unsigned)).toBeNull();
    });

    it('refuses a token without sub, or with roles of the wrong shape', async () => {
      expect(await service().verify(await rsa.sign({ roles: ['admin'] }))).toBeNull();
      expect(await service().verify(await rsa.sign({ sub: 'alice', roles: 'admin' }))).toBeNull();
    });
  });

  describe('roles from JWT_ROLES_CLAIM', () => {
    it('a Keycloak token with realm_access.roles containing admin is an admin', async () => {
      const tokens = new TokenService({ keys, rolesClaim: 'realm_access.roles' });
      const token = await ec.sign({ sub: 'ops', realm_access: { roles: ['offline_access', 'admin'] }, roles: ['ignored'] });
      expect(await tokens.verify(token)).toEqual({ userId: 'ops', roles: ['offline_access', 'admin'], isAdmin: true });
    });

    it('applies to HS256 tokens too', async () => {
      const tokens = new TokenService({ secret: SECRET, rolesClaim: 'realm_access.roles' });
      const token = jwtWith(SECRET).sign({ sub: 'ops', realm_access: { roles: ['admin'] } });
      expect(await tokens.verify(token)).toEqual({ userId: 'ops', roles: ['admin'], isAdmin: true });
    });
  });

  describe('JWT_ISSUER and JWT_AUDIENCE', () => {
    const service = () => new TokenService({ keys, secret: SECRET, issuer: ISSUER, audience: AUDIENCE, rolesClaim: 'roles' });

    it('accept a token with the configured iss and aud (aud as a string or in an array)', async () => {
      expect(await service().verify(await rsa.sign({ sub: 'alice', iss: ISSUER, aud: AUDIENCE }))).toMatchObject({ userId: 'alice' });
      expect(await service().verify(await rsa.sign({ sub: 'alice', iss: ISSUER, aud: ['account', AUDIENCE] }))).toMatchObject({ userId: 'alice' });
    });

    it.each([
      ['another iss', { iss: 'https://evil.example.com', aud: AUDIENCE }],
      ['no iss', { aud: AUDIENCE }],
      ['another aud', { iss: ISSUER, aud: 'account' }],
      ['no aud', { iss: ISSUER }],
    ])('refuse an RS256 token with %s', async (_case, claims) => {
      expect(await service().verify(await rsa.sign({ sub: 'alice', ...claims }))).toBeNull();
    });

    it.each([
      ['the configured iss and aud', { iss: ISSUER, aud: AUDIENCE }, { userId: 'alice', roles: [], isAdmin: false }],
      ['another iss', { iss: 'https://evil.example.com', aud: AUDIENCE }, null],
      ['another aud', { iss: ISSUER, aud: 'account' }, null],
      ['neither', {}, null],
    ])('check HS256 tokens too: %s', async (_case, claims, expected) => {
      expect(await service().verify(jwtWith(SECRET).sign({ sub: 'alice', ...claims }))).toEqual(expected);
    });
  });

  it('with JWT_SECRET and JWKS both set, both kinds of token are accepted', async () => {
    const tokens = new TokenService({ keys, secret: SECRET, rolesClaim: 'roles' });
    expect(await tokens.verify(await rsa.sign({ sub: 'alice' }))).toMatchObject({ userId: 'alice' });
    expect(await tokens.verify(signToken(SECRET, { sub: 'bob' }, 60))).toMatchObject({ userId: 'bob' });
  });

  it('without a key set, RS256 and ES256 tokens are refused', async () => {
    const tokens = new TokenService({ secret: SECRET, rolesClaim: 'roles' });
    expect(await tokens.verify(await rsa.sign({ sub: 'alice' }))).toBeNull();
    expect(await tokens.verify(await ec.sign({ sub: 'alice' }))).toBeNull();
  });
});
