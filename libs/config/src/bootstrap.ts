import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type AppConfig } from './app-config';

/**
 * Runs a process's start-up. A configuration problem prints what to fix and
 * exits 1 without a stack trace; any other start-up failure is logged and exits 1.
 */
export async function bootstrapProcess(name: string, start: (config: AppConfig) => Promise<void>): Promise<void> {
  let config: AppConfig;
  // Real environment variables win over `.env` (loadEnvFile never overrides).
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${name}: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  try {
    await start(config);
  } catch (error) {
    console.error(`${name}: failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
}
