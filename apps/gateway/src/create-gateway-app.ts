import type { LoggerService, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { setUpOpenApi } from './admin';
import { GatewayModule } from './gateway.module';
import { ConfiguredIoAdapter } from './socket';

export interface GatewayAppOptions {
  /** Extension modules (their `@StreamCommand` handlers and other providers) composed into the gateway. */
  imports?: ModuleMetadata['imports'];
  /** Logs Nest's start-up (main.ts: JSON); the app's own logger takes over once it is built. */
  startupLogger?: LoggerService;
}

/** The gateway app, configured but not listening: shared by main.ts and the e2e tests. */
export async function createGatewayApp({ imports, startupLogger }: GatewayAppOptions = {}): Promise<NestExpressApplication> {
  const root = imports?.length ? { module: GatewayModule, imports } : GatewayModule;
  const app = await NestFactory.create<NestExpressApplication>(root, { bufferLogs: startupLogger === undefined, abortOnError: false, logger: startupLogger });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app));
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}
