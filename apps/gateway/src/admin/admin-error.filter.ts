import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { toHttpError } from './http-errors';

interface ReplyPort {
  status(code: number): ReplyPort;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
}

/** Every admin failure, guards' included, as `{ code, message, details? }` with its mapped status. */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const { status, body } = toHttpError(error);
    const reply = host.switchToHttp().getResponse<ReplyPort>();
    if (status === 401) reply.setHeader('WWW-Authenticate', 'Bearer');
    reply.status(status).json(body);
  }
}
