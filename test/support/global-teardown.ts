import { execFileSync } from 'node:child_process';
import { Client } from 'pg';

const ADMIN_DB_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Removes the vhost and database that global-setup made. */
export default async function globalTeardown(): Promise<void> {
  const { TEST_DATABASE_NAME: database, TEST_VHOST: vhost } = process.env;
  if (vhost) execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
  if (database) {
    const admin = new Client({ connectionString: ADMIN_DB_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}
