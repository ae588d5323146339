import type { MigrationInterface } from 'typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { runMigrations } from './run-migrations';

/**
 * Applies an extension module's own migrations, under the same advisory lock
 * as ours (instances starting together migrate one after the other), and
 * records them in a table of its own, so its list and ours never meet.
 */
export async function migrateExtension(
  databaseUrl: string,
  extension: { migrationsTable: string; migrations: Array<new () => MigrationInterface> },
): Promise<string[]> {
  const dataSource = new DataSource({
    ...dataSourceOptions(databaseUrl),
    entities: [],
    migrations: extension.migrations,
    migrationsTableName: extension.migrationsTable,
    extra: { max: 2, connectionTimeoutMillis: 5000 },
  });
  await dataSource.initialize();
  try {
    return (await runMigrations(dataSource)).map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
