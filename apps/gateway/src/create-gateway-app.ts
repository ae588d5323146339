import type { ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { setUpOpenApi } from './admin';
import { GatewayModule } from './gateway.module';
import { ConfiguredIoAdapter } from './socket';

export interface GatewayAppOptions {
  /** Extension modules (their `@StreamCommand` handlers and other providers) composed into the gateway. */
  imports?: ModuleMetadata['imports'];
}

/** The gateway app, configured but not listening: shared by main.ts and the e2e tests. */
export async function createGatewayApp(options: GatewayAppOptions = {}): Promise<NestExpressApplication> {
  const root = options.imports?.length ? { module: GatewayModule, imports: options.imports } : GatewayModule;
  const app = await NestFactory.create<NestExpressApplication>(root, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app));
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}
