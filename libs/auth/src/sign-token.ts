import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '@app/config';

/**
 * A token the gateway accepts (docs/protocol.md §1): HS256 over `{ sub, roles }`
 * with an expiry, signed with `secret` (the configured `jwtSecret`). For the
 * tests and the benchmark; products mint their own.
 */
export function signToken(secret: string, claims: { sub: string; roles?: string[] }, expiresInSeconds: number): string {
  return new JwtService({ secret }).sign({ sub: claims.sub, roles: claims.roles ?? [] }, { expiresIn: expiresInSeconds, algorithm: 'HS256' });
}

/**
 * A token the gateway configured by `config` accepts, for the dev scripts
 * (`npm run token`, `npm run demo`, `npm start`): HS256 with its secret,
 * `iss` / `aud` when it checks them, and the roles under JWT_ROLES_CLAIM
 * (as a top-level claim of that exact name, which the gateway reads first).
 * Throws when the gateway takes only its identity provider's tokens.
 */
export function signTokenFor(config: AppConfig, claims: { sub: string; roles?: string[] }, expiresInSeconds: number): string {
  if (!config.acceptsHs256) {
    throw new Error(
      'JWT_JWKS_URL is set and JWT_SECRET is not: the gateway accepts only tokens from your identity provider. ' +
        'Get a token there, or set JWT_SECRET to also accept HS256 tokens minted here.',
    );
  }
  const payload = { sub: claims.sub, [config.JWT_ROLES_CLAIM]: claims.roles ?? [] };
  return new JwtService({ secret: config.jwtSecret }).sign(payload, {
    expiresIn: expiresInSeconds,
    algorithm: 'HS256',
    ...(config.JWT_ISSUER === undefined ? {} : { issuer: config.JWT_ISSUER }),
    ...(config.JWT_AUDIENCE === undefined ? {} : { audience: config.JWT_AUDIENCE }),
  });
}
