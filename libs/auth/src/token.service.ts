import { Injectable } from '@nestjs/common';
import { MAX_ID_CHARS } from '@app/contracts';
import { JwtService } from '@nestjs/jwt';
import { ADMIN_ROLE, type Principal } from './principal';

interface TokenClaims {
  sub?: unknown;
  roles?: unknown;
}

/** Verifies the JWTs of PROTOCOL.md §1. */
@Injectable()
export class TokenService {
  constructor(private readonly jwt: JwtService) {}

  /** The principal, or null for a missing, malformed, wrongly signed or expired token. */
  verify(token: unknown): Principal | null {
    if (typeof token !== 'string' || token.length === 0) return null;
    let claims: TokenClaims;
    try {
      claims = this.jwt.verify<TokenClaims & object>(token);
    } catch {
      return null;
    }
    const { sub, roles = [] } = claims;
    // The user id becomes the request's owner: as long as the agents accept it, and no NUL (Postgres text).
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_ID_CHARS || sub.includes('\u0000')) return null;
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) return null;
    return { userId: sub, roles, isAdmin: roles.includes(ADMIN_ROLE) };
  }
}
