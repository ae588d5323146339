import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { setUpOpenApi } from './admin';
import { GatewayModule } from './gateway.module';
import { ConfiguredIoAdapter } from './socket';

/**
 * The gateway app, configured but not listening: shared by main.ts and the e2e tests.
 * `startupLogger` logs Nest's start-up (main.ts: JSON); the app's own logger takes over once it is built.
 */
export async function createGatewayApp(startupLogger?: LoggerService): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule, { bufferLogs: startupLogger === undefined, abortOnError: false, logger: startupLogger });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app));
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}
