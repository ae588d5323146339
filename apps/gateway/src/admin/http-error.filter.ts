import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { toHttpError } from './http-errors';

interface ReplyPort {
  headersSent?: boolean;
  status(code: number): ReplyPort;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
}

/**
 * Every HTTP failure of the gateway as `{ code, message, details? }` with its
 * mapped status: the admin API's own errors and guards', and the framework's
 * (unknown routes, body-parser's 400 / 413 / 415, undecodable paths, health).
 * Registered globally; gateways (sockets) have their own mapping.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<ReplyPort>();
    if (reply.headersSent) return;
    const { status, body } = toHttpError(error, http.getRequest<{ originalUrl?: string }>().originalUrl ?? '');
    if (status === 401) reply.setHeader('WWW-Authenticate', 'Bearer');
    reply.status(status).json(body);
  }
}
