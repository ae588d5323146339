import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';

interface LoggedRequest {
  method: string;
  originalUrl: string;
  baseUrl?: string;
  route?: { path?: string };
  params?: Record<string, string>;
}
interface LoggedResponse {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * One line per admin call: method, route (the pattern, not the URL: no ids
 * or query values in it), status, duration, and the request id as a field.
 */
@Injectable()
export class AdminCallLogger implements NestMiddleware {
  private readonly logger = new Logger('AdminApi');

  use(req: LoggedRequest, res: LoggedResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : req.originalUrl.split('?')[0];
      const requestId = req.params?.id;
      this.logger.log(
        { method: req.method, route, status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10, ...(requestId ? { requestId } : {}) },
        `${req.method} ${route} ${res.statusCode}`,
      );
    };
    res.once('finish', log);
    res.once('close', log);
    next();
  }
}
