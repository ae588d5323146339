import type { DynamicModule, ForwardReference, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { loadConfigWithEnvFile } from '@app/config';
import { answerClientErrorsWithContractBodies, HttpErrorFilter, setUpOpenApi } from './admin';
import { GatewayModule } from './gateway.module';
import { ConfiguredIoAdapter } from './socket';
import { WebhooksModule } from './webhooks';

export interface GatewayAppOptions {
  /**
   * Extension modules, composed into the gateway beside ours: their
   * `@OnRequestEvent`, `@Subscribe`, `@StreamCommand` handlers, controllers and migrations
   * run as if they were part of it. Our code is not edited.
   */
  imports?: Array<Type | DynamicModule | ForwardReference>;
  /** Logs Nest's start-up (main.ts: JSON); the app's own logger takes over once it is built. */
  startupLogger?: LoggerService;
}

/** The gateway app, configured but not listening: shared by main.ts and the e2e tests. */
export async function createGatewayApp(options: GatewayAppOptions = {}): Promise<NestExpressApplication> {
  // Our own extension modules are composed the same way, when configured.
  const ours = loadConfigWithEnvFile().webhookUrls.length > 0 ? [WebhooksModule] : [];
  const root: DynamicModule = { module: GatewayModule, imports: [...ours, ...(options.imports ?? [])] };
  const { startupLogger } = options;
  const app = await NestFactory.create<NestExpressApplication>(root, { bufferLogs: startupLogger === undefined, abortOnError: false, logger: startupLogger });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app));
  app.useGlobalFilters(new HttpErrorFilter());
  answerClientErrorsWithContractBodies(app.getHttpServer());
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}
