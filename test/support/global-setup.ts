import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildProgressPage } from '../../scripts/build-progress-page';

/**
 * Builds the progress page, and gives the e2e run its own RabbitMQ vhost and Postgres database, so it never
 * collides with a product instance on this machine, nor with another run.
 * The names travel to the test workers through the environment.
 */
const ADMIN_DB_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_BASE = process.env.TEST_AMQP_BASE_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export default async function globalSetup(): Promise<void> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `agent_stream_test_${suffix}`;
  const vhost = `agent-stream-test-${suffix}`;

  const admin = new Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();

  execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'ignore' });
  execFileSync('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { stdio: 'ignore' });

  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${database}`;
  process.env.DATABASE_URL = dbUrl.toString();
  process.env.AMQP_URL = `${AMQP_BASE}/${encodeURIComponent(vhost)}`;
  process.env.TEST_DATABASE_NAME = database;
  process.env.TEST_VHOST = vhost;
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';

  // The gateway under test serves the page from the sources' side (see ProgressPageController).
  await buildProgressPage(join(__dirname, '..', '..', 'apps', 'gateway', 'public'));
}
