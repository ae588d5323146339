import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const ADMIN_DB_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_BASE = process.env.BENCH_AMQP_BASE_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The bench's own RabbitMQ vhosts (one per server under test, so the relay
 * and the product never see each other's events) and Postgres database,
 * created at the start and removed at the end whatever happened: the bench
 * never touches a product instance or another engineer's data on this box.
 */
export class Sandbox {
  private readonly suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  readonly database = `agent_stream_bench_${this.suffix}`;
  readonly databaseUrl = ADMIN_DB_URL.replace(/\/[^/]*$/, `/${this.database}`);
  private readonly vhosts: string[] = [];
  private removing: Promise<void> | undefined;

  async create(): Promise<void> {
    await adminQuery(`CREATE DATABASE "${this.database}"`);
  }

  /** A fresh vhost for `name`; its amqp URL. */
  vhost(name: string): string {
    const vhost = `agent-stream-bench-${this.suffix}-${name}`;
    rabbitmqctl('add_vhost', vhost);
    this.vhosts.push(vhost);
    rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    return `${AMQP_BASE}/${encodeURIComponent(vhost)}`;
  }

  /** Once, each part on its own so that one failure does not skip the rest. */
  remove(): Promise<void> {
    return (this.removing ??= (async () => {
      for (const vhost of this.vhosts) {
        try {
          rabbitmqctl('delete_vhost', vhost);
        } catch (error) {
          console.error(`could not delete vhost '${vhost}' (rabbitmqctl delete_vhost): ${(error as Error).message}`);
        }
      }
      await adminQuery(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`).catch((error: Error) =>
        console.error(`could not drop database '${this.database}': ${error.message}`),
      );
    })());
  }
}

function rabbitmqctl(...argv: string[]): void {
  execFileSync('rabbitmqctl', argv, { stdio: 'ignore' });
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
