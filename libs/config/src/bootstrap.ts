import type { LoggerService } from '@nestjs/common';
import { Logger, PinoLogger } from 'nestjs-pino';
import { ConfigError, type AppConfig } from './app-config';
import { loadConfigWithEnvFile } from './env-file';

/**
 * The configuration from the environment and `.env`; on a problem, prints
 * what to fix (prefixed with the process name) and exits 1, without a stack
 * trace. `report` says how: plain text for the helper commands (a person reads
 * it), a JSON log line for the services (bootstrapProcess).
 */
export function loadConfigOrExit(name: string, report: (message: string) => void = console.error): AppConfig {
  try {
    return loadConfigWithEnvFile();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(`${name}: ${error.message}`);
    process.exit(1);
  }
}

/**
 * A JSON logger (the same pino lines as AppLoggingModule's) for what a
 * process logs before its application's own logger takes over: Nest's
 * start-up lines and a failure to start, which would otherwise be coloured text.
 */
export function startupLogger(level = 'info'): LoggerService {
  return new Logger(new PinoLogger({ pinoHttp: { level } }), {});
}

/**
 * Runs a service's start-up; a bad setting or a failure to start is logged as
 * one JSON line naming what failed, and the process exits 1. `start` gets the
 * logger to hand to Nest (`NestFactory.create(…, { logger })`), so Nest's own
 * start-up lines are JSON too.
 */
export async function bootstrapProcess(name: string, start: (config: AppConfig, logger: LoggerService) => Promise<void>): Promise<void> {
  const config = loadConfigOrExit(name, (message) => startupLogger().fatal?.(message, name));
  const logger = startupLogger(config.LOG_LEVEL);
  try {
    await start(config, logger);
  } catch (error) {
    logger.fatal?.(`${name}: failed to start: ${(error as Error).message}`, name);
    process.exit(1);
  }
}
