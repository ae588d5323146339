import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { GatewayMetrics } from './gateway-metrics';

/**
 * Counts every socket command by name and result from the ack the handler
 * returns (`ok`, or the failure's error code), so the handlers stay as they are.
 */
@Injectable()
export class CommandMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: GatewayMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const command = context.switchToWs().getPattern();
    return next.handle().pipe(
      tap((ack) => {
        const failed = ack as { ok?: boolean; error?: { code?: string } } | undefined;
        this.metrics.command(command, failed?.ok === false ? (failed.error?.code ?? 'INTERNAL') : 'ok');
      }),
    );
  }
}
