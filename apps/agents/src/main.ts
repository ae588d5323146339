import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { bootstrapProcess } from '@app/config';
import { AgentsModule } from './agents.module';

void bootstrapProcess('agents', async (config, startupLogger) => {
  const app = await NestFactory.createApplicationContext(AgentsModule, { abortOnError: false, logger: startupLogger });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // SIGTERM/SIGINT: stop taking starts, let running ones finish a while, requeue the rest.
  app.enableShutdownHooks();
  logger.log(`agents ready: up to ${config.AGENT_CONCURRENCY} runs at once`, 'Bootstrap');
});
