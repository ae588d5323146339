import { ConfigError, type AppConfig } from './app-config';
import { loadConfigWithEnvFile } from './env-file';

/**
 * The configuration from the environment and `.env`; on a problem, prints
 * what to fix (prefixed with the process name) and exits 1, without a stack trace.
 */
export function loadConfigOrExit(name: string): AppConfig {
  try {
    return loadConfigWithEnvFile();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${name}: ${error.message}`);
    process.exit(1);
  }
}

/** Runs a process's start-up; a failure to start is reported in one line and exits 1. */
export async function bootstrapProcess(name: string, start: (config: AppConfig) => Promise<void>): Promise<void> {
  const config = loadConfigOrExit(name);
  try {
    await start(config);
  } catch (error) {
    console.error(`${name}: failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
}
