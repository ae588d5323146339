import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '@app/config';
import { isAllowedOrigin } from './cors-policy';

/** Frames up to 1 MiB are read (and answered VALIDATION_FAILED when over a field's limit); larger ones close the connection. */
export const MAX_FRAME_BYTES = 1024 * 1024 + 64 * 1024;

/** Socket.IO with the configured CORS origins (never `*` by default) and a frame size limit. */
export class ConfiguredIoAdapter extends IoAdapter {
  private readonly config: AppConfig;

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get(AppConfig);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      cors: (req: IncomingMessage, callback: (error: Error | null, options: { origin: boolean; credentials: boolean }) => void) =>
        callback(null, { origin: isAllowedOrigin(req.headers.origin, req.headers.host, this.config.corsOrigins), credentials: true }),
      maxHttpBufferSize: MAX_FRAME_BYTES,
    }) as Server;
  }
}
