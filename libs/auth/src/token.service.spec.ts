import { JwtService } from '@nestjs/jwt';
import { signToken } from './sign-token';
import { TokenService } from './token.service';

const SECRET = 'unit-test-secret-0123456789';

/** Configured as AuthModule configures it: HS256 only. */
const jwtWith = (secret: string) =>
  new JwtService({ secret, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('TokenService (PROTOCOL.md §1 handshake `auth.token`)', () => {
  const jwt = jwtWith(SECRET);
  const tokens = new TokenService(jwt);

  describe('accepts', () => {
    it('a valid token: the principal is its sub with no roles', () => {
      expect(tokens.verify(jwt.sign({ sub: 'user-1' }, { expiresIn: 60 }))).toEqual({ userId: 'user-1', roles: [], isAdmin: false });
    });

    it('a token with roles', () => {
      expect(tokens.verify(jwt.sign({ sub: 'user-1', roles: ['viewer'] }))).toEqual({ userId: 'user-1', roles: ['viewer'], isAdmin: false });
    });

    it('a token with the admin role: isAdmin', () => {
      expect(tokens.verify(jwt.sign({ sub: 'ops', roles: ['viewer', 'admin'] }))).toEqual({ userId: 'ops', roles: ['viewer', 'admin'], isAdmin: true });
    });

    it('a token signed by signToken (dev scripts, tests)', () => {
      expect(tokens.verify(signToken(SECRET, { sub: 'user-2', roles: ['admin'] }, 60))).toEqual({ userId: 'user-2', roles: ['admin'], isAdmin: true });
    });
  });

  describe('refuses (null)', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['an empty string', ''],
      ['a number', 42],
      ['an object', { token: 'x' }],
    ])('a missing token: %s', (_case, token) => {
      expect(tokens.verify(token)).toBeNull();
    });

    it.each([
      ['garbage', 'not-a-jwt'],
      ['two parts', 'abc.def'],
      ['bad base64 JSON', 'a.b.c'],
    ])('a malformed token: %s', (_case, token) => {
      expect(tokens.verify(token)).toBeNull();
    });

    it('a token signed with another secret', () => {
      expect(tokens.verify(jwtWith('another-secret-0123456789').sign({ sub: 'user-1' }))).toBeNull();
    });

    it('a token whose payload was changed after signing', () => {
      const [header, , signature] = jwt.sign({ sub: 'user-1', roles: [] }).split('.');
      expect(tokens.verify(`${header}.${base64url({ sub: 'user-1', roles: ['admin'] })}.${signature}`)).toBeNull();
    });

    it('an expired token', () => {
      expect(tokens.verify(jwt.sign({ sub: 'user-1', exp: nowSeconds() - 60 }))).toBeNull();
    });

    it('a token not valid yet', () => {
      expect(tokens.verify(jwt.sign({ sub: 'user-1', nbf: nowSeconds() + 3600 }))).toBeNull();
    });

    it('a token without sub', () => {
      expect(tokens.verify(jwt.sign({ roles: ['admin'] }))).toBeNull();
    });

    it('a token with an empty sub', () => {
      expect(tokens.verify(jwt.sign({ sub: '' }))).toBeNull();
    });

    it.each([
      ['a string', 'admin'],
      ['an object', { admin: true }],
      ['an array with a non-string', ['admin', 1]],
    ])('a token whose roles is %s', (_case, roles) => {
      expect(tokens.verify(jwt.sign({ sub: 'user-1', roles }))).toBeNull();
    });

    it('an unsigned token (alg: none)', () => {
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'user-1', roles: ['admin'] })}.`;
      expect(tokens.verify(unsigned)).toBeNull();
    });

    it('an alg: none token even when the service was built without an algorithm list', () => {
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'user-1', roles: ['admin'] })}.`;
      expect(new TokenService(new JwtService({ secret: SECRET })).verify(unsigned)).toBeNull();
    });

    it('a token signed with another algorithm (HS512) than the configured HS256', () => {
      const hs512 = new JwtService({ secret: SECRET }).sign({ sub: 'user-1' }, { algorithm: 'HS512' });
      expect(tokens.verify(hs512)).toBeNull();
    });
  });
});
