import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

/** `whsec_` and the base64 of the key (Standard Webhooks); its length is checked by loadConfig. */
const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** Used only outside production, with a warning at start-up. */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me';

/**
 * Decimal digits only: ' ' or '0x10' must be refused, not read as 0 or 16. A sign is
 * read, so that '-1' fails its lower bound ("must not be less than 0"), not every check.
 */
const toInt = ({ value }: { value: unknown }) => {
  if (value === undefined) return undefined;
  return typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
};

/** true/false (also 1/0, on/off, yes/no); anything else stays as given, so validation refuses it. */
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (['true', '1', 'on', 'yes'].includes(word)) return true;
  if (['false', '0', 'off', 'no'].includes(word)) return false;
  return value;
};

/**
 * Every setting the processes read (docs/protocol.md §5 plus tuning knobs).
 * Validated once at start-up; a bad value stops the process naming it.
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3001;

  @Matches(/^amqps?:\/\/.+/, { message: 'AMQP_URL must be an amqp:// or amqps:// URL, e.g. amqp://guest:guest@127.0.0.1:5672' })
  AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/postgres' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  // Initialised (to undefined) so that it is a known key: loadConfig reads only known keys.
  @IsOptional() @IsString() @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters' })
  JWT_SECRET?: string = undefined;

  /** An identity provider's JSON Web Key Set: RS256 / ES256 tokens are verified with its keys. */
  @IsOptional() @Matches(/^https?:\/\/[^\s/]+\S*$/i, { message: 'JWT_JWKS_URL must be an http:// or https:// URL, e.g. https://idp.example.com/realms/main/protocol/openid-connect/certs' })
  JWT_JWKS_URL?: string = undefined;

  /** When set, a token's `iss` must equal it (every algorithm). */
  @IsOptional() @IsString()
  JWT_ISSUER?: string = undefined;

  /** When set, a token's `aud` must be or contain it (every algorithm). */
  @IsOptional() @IsString()
  JWT_AUDIENCE?: string = undefined;

  /** The claim that holds the roles: a name, or a dotted path into nested objects (`realm_access.roles`). */
  @Matches(/^[^.\s]+(\.[^.\s]+)*$/, { message: 'JWT_ROLES_CLAIM must be a claim name or a dotted path such as realm_access.roles (no spaces, no empty segments)' })
  JWT_ROLES_CLAIM = 'roles';

  /**
   * Shortest time between two fetches of the key set: a token whose `kid` is not in the
   * cached set (the provider rotated its keys) triggers a refetch at most this often.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  JWT_JWKS_COOLDOWN_MS = 30_000;

  /** Sockets one user (token `sub`) may hold on this gateway instance. */
  @Transform(toInt) @IsInt({ message: 'MAX_CONNECTIONS_PER_USER must be a whole number of at least 1' }) @Min(1, { message: 'MAX_CONNECTIONS_PER_USER must be a whole number of at least 1' })
  MAX_CONNECTIONS_PER_USER = 100;

  /**
   * Comma-separated origins (each exactly `scheme://host[:port]`, checked by loadConfig);
   * unset means the gateway's own origin (whatever host and port it is reached at).
   */
  @IsOptional() @IsString()
  CORS_ORIGINS?: string = undefined;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Most events a `rejoin` replays in `state.events`. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  REPLAY_LIMIT = 1000;

  /** Commands one socket may send per second. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  RATE_LIMIT_PER_SECOND = 50;

  /** How long a publish waits for the broker's confirm before the command fails with UNAVAILABLE. */
  @Transform(toInt) @IsInt() @Min(100) @Max(120_000)
  PUBLISH_TIMEOUT_MS = 5000;

  /**
   * Messages a socket may have waiting in the gateway before it is dropped as too slow. Kept
   * below REPLAY_LIMIT, so that the dropped client's rejoin replays everything it missed.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(100_000)
  SLOW_CLIENT_MAX_QUEUED = 500;

  /** Bytes a socket may have waiting in the gateway (its queue and its WebSocket's buffer) before it is dropped. */
  @Transform(toInt) @IsInt() @Min(64 * 1024) @Max(1024 * 1024 * 1024)
  SLOW_CLIENT_MAX_BYTES = 1024 * 1024;

  /** Socket.IO heartbeat: how often the gateway pings, and how long it waits for the pong (engine.io's defaults). */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  SOCKET_PING_INTERVAL_MS = 25_000;

  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  SOCKET_PING_TIMEOUT_MS = 20_000;

  /** Largest agent event body recorded (docs/protocol.md §2, §5); larger ones are dead-lettered. At most a quarter of what a socket may have queued, so a watcher always takes one. */
  @Transform(toInt) @IsInt() @Min(1024) @Max(256 * 1024 * 1024)
  MAX_EVENT_BYTES = 256 * 1024;

  /** Runs one agent worker takes at once. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  AGENT_CONCURRENCY = 50;

  /** An agent worker's `/health/live`, `/health/ready` and `/metrics` port (PROTOCOL §5); unset: no HTTP server. 0: any free port. */
  @IsOptional() @Transform(toInt) @IsInt({ message: 'AGENT_HTTP_PORT must be a port number from 0 to 65535' }) @Min(0, { message: 'AGENT_HTTP_PORT must be a port number from 0 to 65535' }) @Max(65535, { message: 'AGENT_HTTP_PORT must be a port number from 0 to 65535' })
  AGENT_HTTP_PORT?: number = undefined;

  /** Finished requests whose last change is older than this many days are deleted; 0 keeps everything. */
  @Transform(toInt) @IsInt() @Min(0) @Max(36_500)
  RETENTION_DAYS = 30;

  /** How often the retention job looks for requests to delete. */
  @Transform(toInt) @IsInt() @Min(100) @Max(86_400_000)
  RETENTION_INTERVAL_MS = 600_000;

  /** Requests deleted per statement: small, so a purge never holds locks long enough to stall recording. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  RETENTION_BATCH_SIZE = 100;

  /**
   * Bytes of UTF-8 of each step's output kept in `state` (docs/protocol.md §1): past it the
   * snapshot holds the text's first part and `outputTruncated`; the log keeps every delta.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(64 * 1024 * 1024)
  OUTPUT_MAX_BYTES = 1024 * 1024;

  /** How often each gateway reports its per-request socket counts (presence, the admin API's `watchers`). */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000)
  PRESENCE_INTERVAL_MS = 2000;

  /** A gateway whose last report is older than this stops counting (it died without saying goodbye). */
  @Transform(toInt) @IsInt() @Min(500) @Max(600_000)
  PRESENCE_STALE_MS = 15_000;

  /**
   * Ordered ingest shards (docs/protocol.md §5). 1: one ingest queue, recorded by one gateway at a time
   * (stock RabbitMQ). Above 1: a consistent-hash exchange (the broker's
   * rabbitmq_consistent_hash_exchange plugin) spreads requests over this many queues, and the live
   * gateways share them. Every gateway of a cluster must have the same value.
   */
  @Transform(toInt) @IsInt({ message: 'INGEST_SHARDS must be a whole number from 1 to 256' }) @Min(1, { message: 'INGEST_SHARDS must be a whole number from 1 to 256' }) @Max(256, { message: 'INGEST_SHARDS must be a whole number from 1 to 256' })
  INGEST_SHARDS = 1;

  /**
   * true: agent events are written to Postgres on a thread of their own (its own pool of 3 connections),
   * so socket writes on the event loop never hold a batch's commit back. Off by default: on a 2-core box
   * shared with RabbitMQ and Postgres it measured slower (BENCHMARKS.md, "recording on its own thread").
   */
  @Transform(toBool) @IsBoolean({ message: 'RECORDING_THREAD must be true or false' })
  RECORDING_THREAD = false;

  /** Comma-separated http(s) URLs that get each finished request (docs/protocol.md §3 webhooks); checked by loadConfig. */
  @IsOptional() @IsString()
  WEBHOOK_URLS?: string = undefined;

  /** The Standard Webhooks signing secret, `whsec_` + base64 of 24 to 64 random bytes; required with WEBHOOK_URLS. */
  @IsOptional() @Matches(WEBHOOK_SECRET_PATTERN, { message: 'WEBHOOK_SECRET must be whsec_ followed by the base64 of 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)' })
  WEBHOOK_SECRET?: string = undefined;

  /** The URLs WEBHOOK_URLS lists (empty: webhooks are off). */
  get webhookUrls(): string[] {
    return (this.WEBHOOK_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  }

  /** The HS256 secret: JWT_SECRET, else (outside production) the development secret. */
  get jwtSecret(): string {
    return this.JWT_SECRET ?? DEV_JWT_SECRET;
  }

  /**
   * Whether HS256 tokens are accepted: always without JWT_JWKS_URL (as before it existed);
   * with it, only when JWT_SECRET is set explicitly — the public development secret must
   * never open a gateway that trusts an identity provider.
   */
  get acceptsHs256(): boolean {
    return !this.JWT_JWKS_URL || this.JWT_SECRET !== undefined;
  }

  /** The origins CORS_ORIGINS lists; empty means only the gateway's own origin. */
  get corsOrigins(): string[] {
    return (this.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  }
}

/**
 * Browsers send `Origin: scheme://host[:port]` (lower-case host, no default
 * port, no path), and origins are compared as exact strings: an entry that is
 * not in that form would never match, so it is refused at start-up.
 */
function corsOriginProblem(list: string | undefined, entry: string): string[] {
  let origin: string | undefined;
  try {
    origin = new URL(entry).origin;
  } catch {
    origin = undefined;
  }
  if (origin === entry && !entry.includes('*')) return [];
  const hint = origin && origin !== 'null' && origin !== entry && !origin.includes('*') ? ` (did you mean ${origin}?)` : '';
  return [
    `CORS_ORIGINS=${JSON.stringify(list)}: ${JSON.stringify(entry)} is not an origin${hint}; ` +
      `list origins as scheme://host[:port] without path, trailing slash or '*', separated by commas, e.g. https://app.example.com,http://localhost:5173`,
  ];
}

/** Each WEBHOOK_URLS entry must be an absolute http(s) URL, and a secret must sign what is sent. */
function webhookProblems(config: AppConfig, env: NodeJS.ProcessEnv): string[] {
  const problems = config.webhookUrls
    .filter((entry) => {
      try {
        return !['http:', 'https:'].includes(new URL(entry).protocol);
      } catch {
        return true;
      }
    })
    .map((entry) => `WEBHOOK_URLS=${JSON.stringify(env.WEBHOOK_URLS)}: ${JSON.stringify(entry)} is not an http:// or https:// URL; list URLs separated by commas`);
  if (config.webhookUrls.length > 0 && !config.WEBHOOK_SECRET) {
    problems.push('WEBHOOK_SECRET is required when WEBHOOK_URLS is set: whsec_ followed by the base64 of 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)');
  }
  const keyBytes = config.WEBHOOK_SECRET && WEBHOOK_SECRET_PATTERN.test(config.WEBHOOK_SECRET) ? Buffer.from(config.WEBHOOK_SECRET.slice('whsec_'.length), 'base64').length : undefined;
  if (keyBytes !== undefined && (keyBytes < 24 || keyBytes > 64)) {
    problems.push(`WEBHOOK_SECRET holds a ${keyBytes}-byte key; Standard Webhooks keys are 24 to 64 bytes, e.g. whsec_$(openssl rand -base64 32)`);
  }
  return problems;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the environment. Throws ConfigError whose message names
 * each bad variable and how to fix it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''));
  const config = plainToInstance(AppConfig, present);
  const problems = validateSync(config).map(
    (e) => `${e.property}=${JSON.stringify(env[e.property])}: ${[...new Set(Object.values(e.constraints ?? {}))].join('; ')}`,
  );
  problems.push(...config.corsOrigins.flatMap((entry) => corsOriginProblem(env.CORS_ORIGINS, entry)));
  problems.push(...webhookProblems(config, env));
  if (config.PRESENCE_STALE_MS < 2 * config.PRESENCE_INTERVAL_MS) {
    problems.push(
      `PRESENCE_STALE_MS=${config.PRESENCE_STALE_MS} must be at least twice PRESENCE_INTERVAL_MS=${config.PRESENCE_INTERVAL_MS}, or live gateways would flicker out of the watcher counts`,
    );
  }
  if (config.MAX_EVENT_BYTES * 4 > config.SLOW_CLIENT_MAX_BYTES) {
    problems.push(
      `MAX_EVENT_BYTES=${config.MAX_EVENT_BYTES} must be at most a quarter of SLOW_CLIENT_MAX_BYTES=${config.SLOW_CLIENT_MAX_BYTES}, ` +
        'or one event (or one state snapshot) could get its watchers dropped as slow clients',
    );
  }
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET && !config.JWT_JWKS_URL) {
    problems.push(
      'JWT_SECRET or JWT_JWKS_URL is required when NODE_ENV=production: set JWT_SECRET to a random string of at least 16 characters (HS256 tokens), ' +
        "or JWT_JWKS_URL to your identity provider's JWKS URL (RS256 / ES256 tokens)",
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration (set these environment variables or put them in .env):\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
