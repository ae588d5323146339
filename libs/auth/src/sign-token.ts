import { JwtService } from '@nestjs/jwt';

/**
 * A token the gateway accepts (PROTOCOL.md §1): HS256 over `{ sub, roles }`
 * with an expiry, signed with `secret` (the configured `jwtSecret`). For the
 * dev scripts, the tests and the benchmark; products mint their own.
 */
export function signToken(secret: string, claims: { sub: string; roles?: string[] }, expiresInSeconds: number): string {
  return new JwtService({ secret }).sign({ sub: claims.sub, roles: claims.roles ?? [] }, { expiresIn: expiresInSeconds, algorithm: 'HS256' });
}
