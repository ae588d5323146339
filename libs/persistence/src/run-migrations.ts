import type { DataSource, Migration } from 'typeorm';

/** Arbitrary, fixed: every instance of this product must use the same key. */
export const MIGRATION_LOCK_KEY = 7_365_001_042;

/**
 * Runs pending migrations while holding a Postgres advisory lock, so instances
 * starting together migrate one after the other (TypeORM itself takes no lock:
 * two would both see a migration as pending and both run it). The lock lives on
 * a dedicated connection, so the pool needs at least two.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      // A lost connection releases the lock anyway; do not hide the migration's own error behind this one.
      await lockRunner.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await lockRunner.release();
  }
}
