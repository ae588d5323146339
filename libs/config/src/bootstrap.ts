import { ConfigError, type AppConfig } from './app-config';
import { loadConfigWithEnvFile } from './env-file';

/**
 * Runs a process's start-up with the configuration from the environment and
 * `.env` (loadConfigWithEnvFile). A configuration problem prints what to fix and
 * exits 1 without a stack trace; any other start-up failure is logged and exits 1.
 */
export async function bootstrapProcess(name: string, start: (config: AppConfig) => Promise<void>): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfigWithEnvFile();
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
