import { Global, Logger, Module } from '@nestjs/common';
import { createRemoteJWKSet } from 'jose';
import { AppConfig } from '@app/config';
import { TokenService } from './token.service';

/** How long a fetched key set is trusted before it is fetched again (jose also refetches at once on an unknown `kid`). */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_FETCH_TIMEOUT_MS = 5_000;

/** The TokenService `config` describes (exported for its unit test). */
export function tokenServiceFrom(config: AppConfig): TokenService {
  const logger = new Logger('Auth');
  if (!config.JWT_SECRET && !config.JWT_JWKS_URL) {
    logger.warn('JWT_SECRET is not set: using the fixed development secret. Set JWT_SECRET (or JWT_JWKS_URL) before exposing this service.');
  }
  if (!config.acceptsHs256) {
    logger.log('JWT_JWKS_URL is set and JWT_SECRET is not: only RS256 / ES256 tokens signed by the identity provider are accepted.');
  }
  const keys = config.JWT_JWKS_URL
    ? createRemoteJWKSet(new URL(config.JWT_JWKS_URL), {
        cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        // At most one refetch per cooldown, however many tokens with unknown `kid`s arrive.
        cooldownDuration: config.JWT_JWKS_COOLDOWN_MS,
        timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
      })
    : undefined;
  return new TokenService({
    secret: config.acceptsHs256 ? config.jwtSecret : undefined,
    keys,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    rolesClaim: config.JWT_ROLES_CLAIM,
  });
}

@Global()
@Module({
  providers: [{ provide: TokenService, inject: [AppConfig], useFactory: tokenServiceFrom }],
  exports: [TokenService],
})
export class AuthModule {}
