import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { loadConfig, type AppConfig } from './app-config';

/**
 * The one way a process or script reads its configuration: when `envFile`
 * (default `.env` in the working directory) exists, copies its variables into
 * `env` (default `process.env`), then validates with `loadConfig`.
 * A variable already set in the environment, even to '', wins over the file —
 * the rule of `process.loadEnvFile`, whose parser `util.parseEnv` is (Node ≥ 20.12).
 * Throws ConfigError naming each bad variable.
 */
export function loadConfigWithEnvFile(envFile = '.env', env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (existsSync(envFile)) {
    for (const [key, value] of Object.entries(parseEnv(readFileSync(envFile, 'utf8')))) {
      if (env[key] === undefined) env[key] = value;
    }
  }
  return loadConfig(env);
}
