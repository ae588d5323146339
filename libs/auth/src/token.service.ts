import { Logger } from '@nestjs/common';
import { MAX_ID_CHARS } from '@app/contracts';
import { JwtService } from '@nestjs/jwt';
import { decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ADMIN_ROLE, type Principal } from './principal';
import { readRolesClaim } from './roles-claim';

/** Algorithms verified with the identity provider's keys (docs/protocol.md §5 `JWT_JWKS_URL`). */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'];

/** How tokens are verified; built from the configuration by AuthModule. */
export interface TokenVerification {
  /** The HS256 secret; absent: HS256 tokens are refused. */
  secret?: string;
  /** The identity provider's keys (a JWKS, cached and refreshed); absent: RS256 / ES256 tokens are refused. */
  keys?: JWTVerifyGetKey;
  /** When set, `iss` must equal it, whatever the algorithm. */
  issuer?: string;
  /** When set, `aud` must be or contain it, whatever the algorithm. */
  audience?: string;
  /** JWT_ROLES_CLAIM: a claim name or a dotted path. */
  rolesClaim: string;
}

/** The one place tokens are verified: socket handshakes (docs/protocol.md §1) and the admin API (§3). */
export class TokenService {
  private readonly logger = new Logger(TokenService.name);
  private readonly hs256?: JwtService;

  constructor(private readonly verification: TokenVerification) {
    const { secret, issuer, audience } = verification;
    if (secret !== undefined) {
      this.hs256 = new JwtService({ secret, verifyOptions: { algorithms: ['HS256'], issuer, audience } });
    }
  }

  /** The principal, or null for a missing, malformed, wrongly signed, expired or misaddressed token. */
  async verify(token: unknown): Promise<Principal | null> {
    if (typeof token !== 'string' || token.length === 0) return null;
    const claims = await this.verifiedClaims(token);
    if (!claims) return null;
    const { sub } = claims;
    // The user id becomes the request's owner: as long as the agents accept it, and no NUL (Postgres text).
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_ID_CHARS || sub.includes('\u0000')) return null;
    const roles = readRolesClaim(claims, this.verification.rolesClaim);
    if (!roles) return null;
    return { userId: sub, roles, isAdmin: roles.includes(ADMIN_ROLE) };
  }

  /** The claims of a correctly signed, current token; the header's `alg` picks the key, never a key's type. */
  private async verifiedClaims(token: string): Promise<Record<string, unknown> | null> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return null;
    }
    if (alg === 'HS256' && this.hs256) {
      return this.hs256.verifyAsync<Record<string, unknown>>(token).catch(() => null);
    }
    const { keys, issuer, audience } = this.verification;
    if (typeof alg !== 'string' || !JWKS_ALGORITHMS.includes(alg) || !keys) return null;
    try {
      return (await jwtVerify(token, keys, { algorithms: JWKS_ALGORITHMS, issuer, audience })).payload;
    } catch (error) {
      // A bad token is the caller's problem; an unreachable or broken key set is the operator's.
      if (!TOKEN_PROBLEMS.some((problem) => error instanceof problem)) {
        this.logger.warn(`could not verify a token with the identity provider's keys (JWT_JWKS_URL): ${String(error)}`);
      }
      return null;
    }
  }
}

/** What jose throws for a token that is wrong, as opposed to a key set it could not fetch or read. */
const TOKEN_PROBLEMS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
];
