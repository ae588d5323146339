import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { CommandError, ErrorCode } from '@app/contracts';
import { TokenService, type Principal } from '@app/auth';
import { MissingCredentialsError } from './http-errors';

export interface AdminHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/** `Authorization: Bearer <JWT>` verified exactly as socket handshakes are; the role `admin` is required. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminHttpRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const principal = match ? await this.tokens.verify(match[1]) : null;
    if (!principal) throw new MissingCredentialsError();
    if (!principal.isAdmin) throw new CommandError(ErrorCode.FORBIDDEN, 'the admin role is required');
    request.principal = principal;
    return true;
  }
}
