import { DEV_JWT_SECRET, loadConfig } from '@app/config';
import { tokenServiceFrom } from './auth.module';
import { signToken, signTokenFor } from './sign-token';

const SECRET = 'configured-secret-0123456789';
const JWKS_URL = 'https://idp.example.com/certs';

describe('the TokenService AuthModule builds from the configuration', () => {
  it('with the defaults, HS256 tokens signed with the development secret are accepted', async () => {
    const tokens = tokenServiceFrom(loadConfig({}));
    expect(await tokens.verify(signToken(DEV_JWT_SECRET, { sub: 'alice', roles: ['admin'] }, 60))).toEqual({ userId: 'alice', roles: ['admin'], isAdmin: true });
  });

  it('with JWT_JWKS_URL and no JWT_SECRET, a development-secret token is refused (the key set is never fetched for it)', async () => {
    const tokens = tokenServiceFrom(loadConfig({ JWT_JWKS_URL: JWKS_URL }));
    expect(await tokens.verify(signToken(DEV_JWT_SECRET, { sub: 'alice' }, 60))).toBeNull();
  });

  it('with JWT_JWKS_URL and JWT_SECRET, HS256 tokens with that secret are accepted', async () => {
    const tokens = tokenServiceFrom(loadConfig({ JWT_JWKS_URL: JWKS_URL, JWT_SECRET: SECRET }));
    expect(await tokens.verify(signToken(SECRET, { sub: 'alice' }, 60))).toMatchObject({ userId: 'alice' });
  });

  it('JWT_ISSUER and JWT_AUDIENCE apply to HS256 tokens', async () => {
    const tokens = tokenServiceFrom(loadConfig({ JWT_SECRET: SECRET, JWT_ISSUER: 'me', JWT_AUDIENCE: 'us' }));
    expect(await tokens.verify(signToken(SECRET, { sub: 'alice' }, 60))).toBeNull();
  });
});

describe('signTokenFor (the dev scripts’ tokens)', () => {
  it.each([
    ['the defaults', {}],
    ['JWT_ISSUER, JWT_AUDIENCE and a nested JWT_ROLES_CLAIM', { JWT_SECRET: SECRET, JWT_ISSUER: 'https://me', JWT_AUDIENCE: 'us', JWT_ROLES_CLAIM: 'realm_access.roles' }],
    ['JWT_JWKS_URL with an explicit JWT_SECRET', { JWT_SECRET: SECRET, JWT_JWKS_URL: JWKS_URL }],
  ])('mints a token the gateway configured with %s accepts, roles included', async (_case, env) => {
    const config = loadConfig(env);
    const token = signTokenFor(config, { sub: 'ops', roles: ['admin'] }, 60);
    expect(await tokenServiceFrom(config).verify(token)).toEqual({ userId: 'ops', roles: ['admin'], isAdmin: true });
  });

  it('refuses to mint when only the identity provider’s tokens are accepted, saying what to do', () => {
    expect(() => signTokenFor(loadConfig({ JWT_JWKS_URL: JWKS_URL }), { sub: 'ops' }, 60)).toThrow(/JWT_JWKS_URL is set and JWT_SECRET is not.*set JWT_SECRET/);
  });
});
