import { DataSource, type DataSourceOptions } from 'typeorm';
import { InitialSchema1764200000000 } from './migrations/1764200000000-initial-schema';
import { ProjectionRows1764300000000 } from './migrations/1764300000000-projection-rows';
import { OperatorSurface1764400000000 } from './migrations/1764400000000-operator-surface';
import { InstanceGauges1764700000000 } from './migrations/1764700000000-instance-gauges';
import { StepOutput1765100000000 } from './migrations/1765100000000-step-output';
import { RequestEventEntity } from './request-event.entity';
import { RequestEntity } from './request.entity';

// Listed as classes: globs break once webpack bundles the app.
export const PERSISTENCE_ENTITIES = [RequestEntity, RequestEventEntity];
/** In the order they must run. */
export const PERSISTENCE_MIGRATIONS = [InitialSchema1764200000000, ProjectionRows1764300000000, OperatorSurface1764400000000, InstanceGauges1764700000000, StepOutput1765100000000];

/** Options shared by the Nest module and standalone scripts, so both see the same schema. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: PERSISTENCE_ENTITIES,
    migrations: PERSISTENCE_MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // connectionTimeoutMillis: without it a pool waits forever for a connection, and a command never gets its UNAVAILABLE.
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}

/** A DataSource for scripts and tests (not initialized; call `initialize()`, then `runMigrations`). */
export function createDataSource(url: string): DataSource {
  return new DataSource(dataSourceOptions(url));
}
