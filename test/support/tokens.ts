import { signToken } from '@app/auth';
import { loadConfig } from '@app/config';

/** Tokens signed the way the gateway under test verifies them. */
export function mintToken(userId: string, options: { roles?: string[]; expiresIn?: number; secret?: string } = {}): string {
  return signToken(options.secret ?? loadConfig().jwtSecret, { sub: userId, roles: options.roles }, options.expiresIn ?? 3600);
}
