import { AppConfig, ConfigError, DEV_JWT_SECRET, loadConfig } from './app-config';

/** The ConfigError `env` stops start-up with. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig (docs/protocol.md §5)', () => {
  describe('defaults', () => {
    const config = loadConfig({});

    it('returns an AppConfig', () => {
      expect(config).toBeInstanceOf(AppConfig);
    });

    it('PORT is 3001', () => {
      expect(config.PORT).toBe(3001);
    });

    it('AMQP_URL is amqp://guest:guest@127.0.0.1:5672', () => {
      expect(config.AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
    });

    it('DATABASE_URL is postgres://postgres@127.0.0.1:5432/postgres', () => {
      expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    });

    it('outside production the fixed development secret verifies tokens', () => {
      expect(config.NODE_ENV).toBe('development');
      expect(config.JWT_SECRET).toBeUndefined();
      expect(config.jwtSecret).toBe(DEV_JWT_SECRET);
    });

    it("CORS_ORIGINS lists nothing: only the gateway's own origin, never '*'", () => {
      expect(config.corsOrigins).toEqual([]);
    });

    it("the default CORS origin does not depend on PORT", () => {
      expect(loadConfig({ PORT: '8080' }).corsOrigins).toEqual([]);
    });

    it('the replay limit is 1000 and the rate limit allows at least 20 commands per second', () => {
      expect(config.REPLAY_LIMIT).toBe(1000);
      expect(config.RATE_LIMIT_PER_SECOND).toBeGreaterThanOrEqual(20);
    });
  });

  describe('values from the environment', () => {
    it('reads PORT as a number', () => {
      expect(loadConfig({ PORT: '4000' }).PORT).toBe(4000);
    });

    it('reads amqp:// and amqps:// URLs', () => {
      expect(loadConfig({ AMQP_URL: 'amqp://u:p@rabbit:5672/vh' }).AMQP_URL).toBe('amqp://u:p@rabbit:5672/vh');
      expect(loadConfig({ AMQP_URL: 'amqps://rabbit' }).AMQP_URL).toBe('amqps://rabbit');
    });

    it('reads postgres:// and postgresql:// URLs', () => {
      expect(loadConfig({ DATABASE_URL: 'postgresql://db/app' }).DATABASE_URL).toBe('postgresql://db/app');
      expect(loadConfig({ DATABASE_URL: 'postgres://db/app' }).DATABASE_URL).toBe('postgres://db/app');
    });

    it('ignores variables it does not know', () => {
      expect(loadConfig({ PATH: '/usr/bin', HOME: '/root' })).toBeInstanceOf(AppConfig);
    });
  });

  describe('a malformed variable stops start-up with a ConfigError naming it', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '3001x'],
      ['PORT', '1.5'],
      ['PORT', '-1'],
      ['PORT', '70000'],
      ['AMQP_URL', 'http://rabbit:5672'],
      ['AMQP_URL', 'rabbit:5672'],
      ['DATABASE_URL', 'mysql://db/app'],
      ['DATABASE_URL', '127.0.0.1:5432'],
      ['NODE_ENV', 'staging'],
    ])('%s=%j', (variable, value) => {
      const error = configError({ [variable]: value });
      expect(error.name).toBe('ConfigError');
      expect(error.message).toContain(`${variable}=${JSON.stringify(value)}`);
    });

    it('the AMQP_URL message says what a good value looks like', () => {
      expect(configError({ AMQP_URL: 'nope' }).message).toMatch(/AMQP_URL must be an amqp:\/\/ or amqps:\/\/ URL/);
    });

    it('the DATABASE_URL message says what a good value looks like', () => {
      expect(configError({ DATABASE_URL: 'nope' }).message).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
    });

    it('MAX_EVENT_BYTES defaults to 262144, reads a number, and refuses non-numbers and more than a quarter of SLOW_CLIENT_MAX_BYTES', () => {
      expect(loadConfig({}).MAX_EVENT_BYTES).toBe(262_144);
      expect(loadConfig({ MAX_EVENT_BYTES: '65536' }).MAX_EVENT_BYTES).toBe(65_536);
      expect(configError({ MAX_EVENT_BYTES: '256k' }).message).toContain('MAX_EVENT_BYTES="256k"');
      expect(configError({ MAX_EVENT_BYTES: '100' }).message).toContain('MAX_EVENT_BYTES="100"');
      expect(configError({ MAX_EVENT_BYTES: '300000' }).message).toMatch(/MAX_EVENT_BYTES=300000 must be at most a quarter of SLOW_CLIENT_MAX_BYTES=1048576/);
      expect(loadConfig({ MAX_EVENT_BYTES: '1048576', SLOW_CLIENT_MAX_BYTES: '4194304' }).MAX_EVENT_BYTES).toBe(1_048_576);
    });

    it('RECORDING_THREAD defaults to false, reads true/false, 1/0, on/off, yes/no, and refuses anything else by name', () => {
      expect(loadConfig({}).RECORDING_THREAD).toBe(false);
      for (const off of ['false', '0', 'off', 'No ']) expect(loadConfig({ RECORDING_THREAD: off }).RECORDING_THREAD).toBe(false);
      for (const on of ['true', '1', 'ON', 'yes']) expect(loadConfig({ RECORDING_THREAD: on }).RECORDING_THREAD).toBe(true);
      expect(configError({ RECORDING_THREAD: 'maybe' }).message).toMatch(/RECORDING_THREAD="maybe".*RECORDING_THREAD must be true or false/s);
    });

    it('names every bad variable at once', () => {
      const { message } = configError({ PORT: 'x', AMQP_URL: 'y', DATABASE_URL: 'z' });
      expect(message).toMatch(/PORT="x"/);
      expect(message).toMatch(/AMQP_URL="y"/);
      expect(message).toMatch(/DATABASE_URL="z"/);
    });
  });

  describe('NODE_ENV=production', () => {
    it('without JWT_SECRET or JWT_JWKS_URL stops start-up naming both and how to fix it', () => {
      const { message } = configError({ NODE_ENV: 'production' });
      expect(message).toMatch(/JWT_SECRET or JWT_JWKS_URL is required when NODE_ENV=production/);
      expect(message).toMatch(/random string of at least 16 characters/);
      expect(message).toMatch(/JWKS URL/);
    });

    it('with an empty JWT_SECRET stops start-up naming JWT_SECRET', () => {
      expect(configError({ NODE_ENV: 'production', JWT_SECRET: '' }).message).toMatch(/JWT_SECRET or JWT_JWKS_URL is required/);
    });

    it('JWT_JWKS_URL alone is enough, and then HS256 tokens are not accepted', () => {
      const config = loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example.com/certs' });
      expect(config.JWT_JWKS_URL).toBe('https://idp.example.com/certs');
      expect(config.acceptsHs256).toBe(false);
    });
  });

  describe('identity provider settings (JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ROLES_CLAIM)', () => {
    it('are unset by default, the roles claim is `roles`, and HS256 is accepted', () => {
      const config = loadConfig({});
      expect([config.JWT_JWKS_URL, config.JWT_ISSUER, config.JWT_AUDIENCE]).toEqual([undefined, undefined, undefined]);
      expect(config.JWT_ROLES_CLAIM).toBe('roles');
      expect(config.acceptsHs256).toBe(true);
    });

    it.each(['http://127.0.0.1:8080/jwks.json', 'https://idp.example.com/realms/main/protocol/openid-connect/certs', 'HTTPS://IDP.EXAMPLE.COM/certs'])(
      'JWT_JWKS_URL=%s is read',
      (url) => {
        expect(loadConfig({ JWT_JWKS_URL: url }).JWT_JWKS_URL).toBe(url);
      },
    );

    it.each(['idp.example.com/certs', 'ftp://idp.example.com/certs', 'https://', 'https:// idp.example.com', 'file:///etc/jwks.json'])(
      'JWT_JWKS_URL=%s stops start-up naming it',
      (url) => {
        expect(configError({ JWT_JWKS_URL: url }).message).toMatch(/JWT_JWKS_URL=.*must be an http:\/\/ or https:\/\/ URL/);
      },
    );

    it('with JWT_JWKS_URL and an explicit JWT_SECRET both kinds of token are accepted', () => {
      const config = loadConfig({ JWT_JWKS_URL: 'https://idp.example.com/certs', JWT_SECRET: 'z'.repeat(16) });
      expect(config.acceptsHs256).toBe(true);
    });

    it('with JWT_JWKS_URL and no JWT_SECRET the development secret is not accepted', () => {
      expect(loadConfig({ JWT_JWKS_URL: 'https://idp.example.com/certs' }).acceptsHs256).toBe(false);
    });

    it('JWT_JWKS_COOLDOWN_MS is 30 s by default and read as a number', () => {
      expect(loadConfig({}).JWT_JWKS_COOLDOWN_MS).toBe(30_000);
      expect(loadConfig({ JWT_JWKS_COOLDOWN_MS: '500' }).JWT_JWKS_COOLDOWN_MS).toBe(500);
      expect(configError({ JWT_JWKS_COOLDOWN_MS: 'soon' }).message).toMatch(/JWT_JWKS_COOLDOWN_MS="soon"/);
    });

    it('JWT_ISSUER and JWT_AUDIENCE are read as they are', () => {
      const config = loadConfig({ JWT_ISSUER: 'https://idp.example.com/realms/main', JWT_AUDIENCE: 'agent-stream' });
      expect(config.JWT_ISSUER).toBe('https://idp.example.com/realms/main');
      expect(config.JWT_AUDIENCE).toBe('agent-stream');
    });

    it.each(['roles', 'realm_access.roles', 'https://example.com/roles', 'a.b.c'])('JWT_ROLES_CLAIM=%s is read', (claim) => {
      expect(loadConfig({ JWT_ROLES_CLAIM: claim }).JWT_ROLES_CLAIM).toBe(claim);
    });

    it.each(['.roles', 'realm_access.', 'a..b', 'my roles'])('JWT_ROLES_CLAIM=%s stops start-up naming it', (claim) => {
      expect(configError({ JWT_ROLES_CLAIM: claim }).message).toMatch(/JWT_ROLES_CLAIM=.*claim name or a dotted path/);
    });
  });

  describe('MAX_CONNECTIONS_PER_USER', () => {
    it('is 100 by default', () => {
      expect(loadConfig({}).MAX_CONNECTIONS_PER_USER).toBe(100);
    });

    it.each([['1', 1], ['5000', 5000]])('MAX_CONNECTIONS_PER_USER=%s is read', (value, expected) => {
      expect(loadConfig({ MAX_CONNECTIONS_PER_USER: value }).MAX_CONNECTIONS_PER_USER).toBe(expected);
    });

    it.each(['0', '-1', '1.5', 'many', '0x10'])('MAX_CONNECTIONS_PER_USER=%s stops start-up naming it', (value) => {
      expect(configError({ MAX_CONNECTIONS_PER_USER: value }).message).toMatch(
        new RegExp(`MAX_CONNECTIONS_PER_USER="${value}": MAX_CONNECTIONS_PER_USER must be a whole number of at least 1`),
      );
    });
  });

  describe('INGEST_SHARDS', () => {
    it('is 1 by default (one ingest queue, stock RabbitMQ)', () => {
      expect(loadConfig({}).INGEST_SHARDS).toBe(1);
    });

    it.each([['1', 1], ['6', 6], ['256', 256]])('INGEST_SHARDS=%s is read', (value, expected) => {
      expect(loadConfig({ INGEST_SHARDS: value }).INGEST_SHARDS).toBe(expected);
    });

    it.each(['0', '-2', '257', '2.5', 'six', '0x10'])('INGEST_SHARDS=%s stops start-up naming it', (value) => {
      expect(configError({ INGEST_SHARDS: value }).message).toMatch(new RegExp(`INGEST_SHARDS="${value}": INGEST_SHARDS must be a whole number from 1 to 256`));
    });
  });

  describe('empty strings count as unset', () => {
    it.each(['PORT', 'AMQP_URL', 'DATABASE_URL', 'NODE_ENV', 'LOG_LEVEL', 'REPLAY_LIMIT', 'RATE_LIMIT_PER_SECOND', 'JWT_JWKS_URL', 'JWT_ROLES_CLAIM', 'MAX_CONNECTIONS_PER_USER', 'INGEST_SHARDS'])('%s= gives the default', (variable) => {
      expect(loadConfig({ [variable]: '' })).toEqual(loadConfig({}));
    });

    it('CORS_ORIGINS= gives the default origin', () => {
      expect(loadConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
    });

    it('JWT_SECRET= falls back to the development secret outside production', () => {
      expect(loadConfig({ JWT_SECRET: '' }).jwtSecret).toBe(DEV_JWT_SECRET);
    });
  });
});

describe('loadConfig reads the optional settings too', () => {
  it('JWT_SECRET set in production is used', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    expect(config.jwtSecret).toBe('x'.repeat(32));
  });

  it('JWT_SECRET set in development replaces the development secret', () => {
    expect(loadConfig({ JWT_SECRET: 'y'.repeat(20) }).jwtSecret).toBe('y'.repeat(20));
  });

  it('a JWT_SECRET shorter than 16 characters stops start-up naming it', () => {
    expect(configError({ JWT_SECRET: 'short' }).message).toMatch(/JWT_SECRET.*at least 16/);
  });

  it('CORS_ORIGINS is a comma-separated list', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it.each([' ', '0x10', '30.5', '-1'])('PORT=%j is refused, not read as a number', (port) => {
    expect(configError({ PORT: port }).message).toMatch(/PORT/);
  });
});

describe('CORS_ORIGINS entries must be origins (scheme://host[:port])', () => {
  it.each(['https://app.example.com', 'http://localhost:5173', 'http://127.0.0.1:3001', 'http://[::1]:8080', 'https://xn--bcher-kva.example'])(
    '%s is accepted',
    (origin) => {
      expect(loadConfig({ CORS_ORIGINS: origin }).corsOrigins).toEqual([origin]);
    },
  );

  it('accepts a list with spaces around the commas', () => {
    expect(loadConfig({ CORS_ORIGINS: ' https://a.example ,http://localhost:5173 ' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  it.each([
    ['a trailing slash', 'https://app.example.com/'],
    ['a path', 'https://app.example.com/app'],
    ['a query', 'https://app.example.com?x=1'],
    ['a wildcard', '*'],
    ['a wildcard subdomain', 'https://*.example.com'],
    ['no scheme', 'app.example.com'],
    ['the default port spelled out', 'https://app.example.com:443'],
    ['an upper-case host', 'https://App.example.com'],
    ['the literal null', 'null'],
    ['a non-web scheme', 'file:///tmp'],
  ])('refuses %s (%s), naming CORS_ORIGINS, the entry and the fix', (_what, entry) => {
    const value = `http://localhost:5173,${entry}`;
    const { message } = configError({ CORS_ORIGINS: value });
    expect(message).toContain(`CORS_ORIGINS=${JSON.stringify(value)}`);
    expect(message).toContain(`${JSON.stringify(entry)} is not an origin`);
    expect(message).toMatch(/scheme:\/\/host\[:port\] without path, trailing slash or '\*'/);
    expect(message).not.toContain('"http://localhost:5173" is not an origin');
  });

  it('suggests the origin when the entry has one', () => {
    expect(configError({ CORS_ORIGINS: 'https://app.example.com/' }).message).toContain('(did you mean https://app.example.com?)');
    expect(configError({ CORS_ORIGINS: '*' }).message).not.toContain('did you mean');
    expect(configError({ CORS_ORIGINS: 'https://*.example.com' }).message).not.toContain('did you mean');
  });

  it('names every bad entry at once, alongside other bad variables', () => {
    const { message } = configError({ CORS_ORIGINS: '*,https://a.example/', PORT: 'x' });
    expect(message).toContain('"*" is not an origin');
    expect(message).toContain('"https://a.example/" is not an origin');
    expect(message).toMatch(/PORT="x"/);
  });
});

describe('loadConfig: retention and presence (docs/protocol.md §5 RETENTION_DAYS)', () => {
  it('keeps finished requests 30 days by default; presence reports every 2 s and forgets a gateway after 15 s', () => {
    const config = loadConfig({});
    expect(config.RETENTION_DAYS).toBe(30);
    expect(config.PRESENCE_INTERVAL_MS).toBe(2000);
    expect(config.PRESENCE_STALE_MS).toBe(15_000);
  });

  it('RETENTION_DAYS=0 is accepted: keep everything', () => {
    expect(loadConfig({ RETENTION_DAYS: '0' }).RETENTION_DAYS).toBe(0);
  });

  it.each([
    ['RETENTION_DAYS', '-1'],
    ['RETENTION_DAYS', '1.5'],
    ['RETENTION_DAYS', 'thirty'],
    ['RETENTION_BATCH_SIZE', '0'],
    ['RETENTION_INTERVAL_MS', '10'],
    ['PRESENCE_INTERVAL_MS', 'x'],
  ])('%s=%j stops start-up naming it', (variable, value) => {
    expect(configError({ [variable]: value }).message).toContain(`${variable}=${JSON.stringify(value)}`);
  });

  it('a stale limit under twice the report interval stops start-up naming both', () => {
    const { message } = configError({ PRESENCE_INTERVAL_MS: '1000', PRESENCE_STALE_MS: '1500' });
    expect(message).toContain('PRESENCE_STALE_MS=1500');
    expect(message).toContain('PRESENCE_INTERVAL_MS=1000');
  });
});

describe('webhooks (WEBHOOK_URLS, WEBHOOK_SECRET)', () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

  it('are off by default', () => {
    expect(loadConfig({}).webhookUrls).toEqual([]);
  });

  it('lists the comma-separated URLs with a whsec_ secret', () => {
    const config = loadConfig({ WEBHOOK_URLS: 'https://a.example/hook, http://127.0.0.1:9000/x', WEBHOOK_SECRET: secret });
    expect(config.webhookUrls).toEqual(['https://a.example/hook', 'http://127.0.0.1:9000/x']);
    expect(config.WEBHOOK_SECRET).toBe(secret);
  });

  it('URLs without a secret stop start-up naming WEBHOOK_SECRET', () => {
    expect(configError({ WEBHOOK_URLS: 'https://a.example/hook' }).message).toContain('WEBHOOK_SECRET is required when WEBHOOK_URLS is set');
  });

  it.each([['not-whsec'], ['whsec_'], ['whsec_not base64!']])('WEBHOOK_SECRET=%j stops start-up naming it', (value) => {
    expect(configError({ WEBHOOK_URLS: 'https://a.example/hook', WEBHOOK_SECRET: value }).message).toContain(`WEBHOOK_SECRET=${JSON.stringify(value)}`);
  });

  it('a key shorter than 24 bytes stops start-up', () => {
    const short = `whsec_${Buffer.alloc(8, 1).toString('base64')}`;
    expect(configError({ WEBHOOK_URLS: 'https://a.example/hook', WEBHOOK_SECRET: short }).message).toContain('8-byte key');
  });

  it.each([['ftp://a.example/x'], ['a.example/hook']])('WEBHOOK_URLS entry %j stops start-up naming it', (entry) => {
    expect(configError({ WEBHOOK_URLS: entry, WEBHOOK_SECRET: secret }).message).toContain(`${JSON.stringify(entry)} is not an http:// or https:// URL`);
  });
});

describe('a number below its range says what the bound is', () => {
  it('RETENTION_DAYS=-1 says it must not be less than 0, and nothing about the upper bound', () => {
    const { message } = configError({ RETENTION_DAYS: '-1' });
    expect(message).toContain('RETENTION_DAYS="-1": RETENTION_DAYS must not be less than 0');
    expect(message).not.toContain('greater than');
    expect(message).not.toContain('integer');
  });
});

describe('AGENT_HTTP_PORT (an agent worker\'s health and metrics port)', () => {
  it('is unset by default: no HTTP server', () => {
    expect(loadConfig({}).AGENT_HTTP_PORT).toBeUndefined();
  });

  it('is read as a number', () => {
    expect(loadConfig({ AGENT_HTTP_PORT: '3002' }).AGENT_HTTP_PORT).toBe(3002);
  });

  it.each(['http', '-1', '70000', '3002.5'])('AGENT_HTTP_PORT=%j stops start-up naming it', (value) => {
    expect(configError({ AGENT_HTTP_PORT: value }).message).toContain(`AGENT_HTTP_PORT=${JSON.stringify(value)}: AGENT_HTTP_PORT must be a port number from 0 to 65535`);
  });
});
