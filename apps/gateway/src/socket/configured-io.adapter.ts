import type { IncomingMessage } from 'node:http';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { firstValueFrom, type Observable } from 'rxjs';
import type { Server, ServerOptions } from 'socket.io';

/** The socket type of the Socket.IO copy Nest's adapter runs. */
type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];
import { AppConfig } from '@app/config';
import { isAllowedOrigin } from './cors-policy';
import { depthCappedParser } from './depth-capped-parser';

/** Frames up to 1 MiB are read (and answered VALIDATION_FAILED when over a field's limit); larger ones close the connection. */
export const MAX_FRAME_BYTES = 1024 * 1024 + 64 * 1024;

/**
 * Socket.IO with the configured CORS origins (never `*` by default) and a frame size limit.
 *
 * engine.io applies `cors` only as HTTP response headers, which a browser
 * enforces for polling but which mean nothing to a WebSocket upgrade: a page
 * from any origin could open one. So `allowRequest` applies the same policy to
 * every handshake (WebSocket upgrade or first polling request): a refused one
 * gets 400 (upgrade) or 403 (polling) and the client `connect_error`. Later
 * requests of an accepted session (polling with its sid, the upgrade to
 * WebSocket) belong to a handshake that passed.
 */
export class ConfiguredIoAdapter extends IoAdapter {
  private readonly config: AppConfig;
  private readonly logger = new Logger(ConfiguredIoAdapter.name);

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get(AppConfig);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = (req: IncomingMessage) => isAllowedOrigin(req.headers.origin, req.headers.host, this.config.corsOrigins);
    return super.createIOServer(port, {
      ...options,
      cors: (req: IncomingMessage, callback: (error: Error | null, options: { origin: boolean; credentials: boolean }) => void) =>
        callback(null, { origin: allowed(req), credentials: true }),
      // engine.io: fn(errorMessage, success); the message is what a refused client's response body says.
      allowRequest: (req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void) =>
        allowed(req) ? callback(null, true) : callback('origin not allowed', false),
      maxHttpBufferSize: MAX_FRAME_BYTES,
      parser: depthCappedParser,
      // A client whose network vanished without a close frame is noticed after interval + timeout (both sides).
      pingInterval: this.config.SOCKET_PING_INTERVAL_MS,
      pingTimeout: this.config.SOCKET_PING_TIMEOUT_MS,
    }) as Server;
  }

  /**
   * Plain listeners instead of Nest's RxJS pipeline per handler and socket
   * (fromEvent + mergeMap + takeUntil: about 20 subscribers and 100 closures
   * that every connection kept, twice the memory of the socket itself).
   * Same contract: the handler's result is the ack; `{ event, data }` emits.
   * Socket.IO drops a socket's listeners when it disconnects.
   */
  override bindMessageHandlers(socket: IoSocket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args);
        firstValueFrom(transform(callback(data, ack)), { defaultValue: undefined }).then(
          (response) => {
            if (response === undefined || response === null) return;
            const { event, data: eventData } = response as { event?: string; data?: unknown };
            if (event) return void socket.emit(event, eventData);
            if (!isAckHandledManually && typeof ack === 'function') ack(response);
          },
          (error: unknown) => this.logger.error(`handler for '${String(message)}' failed: ${(error as Error).message}`),
        );
      });
    }
  }
}
