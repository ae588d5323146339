import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './app-config';
import { loadConfigWithEnvFile } from './env-file';

describe('loadConfigWithEnvFile', () => {
  let dir: string;
  const envFile = (text: string) => {
    const file = join(dir, '.env');
    writeFileSync(file, text);
    return file;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'env-file-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the variables a .env file sets (comments, quotes and export allowed)', () => {
    const env: NodeJS.ProcessEnv = {};
    const config = loadConfigWithEnvFile(envFile('# local\nPORT=4567\nexport JWT_SECRET="from-the-env-file-0123456789"\n'), env);
    expect(config.PORT).toBe(4567);
    expect(config.jwtSecret).toBe('from-the-env-file-0123456789');
    expect(env.PORT).toBe('4567');
  });

  it('lets variables already in the environment win over the file, even empty ones', () => {
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn', CORS_ORIGINS: '' };
    const config = loadConfigWithEnvFile(envFile('PORT=4567\nLOG_LEVEL=debug\nCORS_ORIGINS=https://app.example.com\n'), env);
    expect(config.LOG_LEVEL).toBe('warn');
    expect(config.corsOrigins).toEqual([]);
    expect(config.PORT).toBe(4567);
  });

  it('without the file, reads the environment alone', () => {
    expect(loadConfigWithEnvFile(join(dir, 'missing.env'), { PORT: '4321' }).PORT).toBe(4321);
  });

  it('throws a ConfigError naming a bad variable from the file', () => {
    const file = envFile('CORS_ORIGINS=https://app.example.com/\n');
    expect(() => loadConfigWithEnvFile(file, {})).toThrow(ConfigError);
    expect(() => loadConfigWithEnvFile(file, {})).toThrow(/CORS_ORIGINS=/);
  });

  it('by default loads into process.env, so that the rest of the process sees the file too', () => {
    const key = 'REPLAY_LIMIT';
    const before = process.env[key];
    delete process.env[key];
    try {
      expect(loadConfigWithEnvFile(envFile(`${key}=77\n`)).REPLAY_LIMIT).toBe(77);
      expect(process.env[key]).toBe('77');
    } finally {
      if (before === undefined) delete process.env[key];
      else process.env[key] = before;
    }
  });
});
