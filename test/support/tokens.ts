import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '@app/config';

/** Tokens signed the way the gateway under test verifies them. */
export function mintToken(userId: string, options: { roles?: string[]; expiresIn?: number; secret?: string } = {}): string {
  const jwt = new JwtService({ secret: options.secret ?? loadConfig().jwtSecret });
  return jwt.sign({ sub: userId, roles: options.roles ?? [] }, { expiresIn: options.expiresIn ?? 3600, algorithm: 'HS256' });
}
