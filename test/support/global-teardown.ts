import { execFileSync } from 'node:child_process';
import { Client } from 'pg';

const ADMIN_DB_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Removes the vhost and database that global-setup made. A vhost that could not be deleted is reported,
 * not failed on: the tests have run by then (deleting one with many durable queues can outlast
 * rabbitmqctl's wait on a loaded machine, and finish after it gave up).
 */
export default async function globalTeardown(): Promise<void> {
  const { TEST_DATABASE_NAME: database, TEST_VHOST: vhost } = process.env;
  if (vhost) {
    try {
      execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
    } catch (error) {
      const left = execFileSync('rabbitmqctl', ['-q', 'list_vhosts'], { encoding: 'utf8' }).split('\n').includes(vhost);
      if (left) process.stderr.write(`could not delete the test vhost '${vhost}' (${(error as Error).message}); remove it with: rabbitmqctl delete_vhost ${vhost}\n`);
    }
  }
  if (database) {
    const admin = new Client({ connectionString: ADMIN_DB_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}
