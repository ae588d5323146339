export { PersistenceModule } from './persistence.module';
export { RequestStore } from './request-store';
export type { BatchResult, NewRequest, QuestionState, RequestHeader, RequestRecord, StartResult, TransitionResult } from './request-record';
export { createDataSource, dataSourceOptions, PERSISTENCE_ENTITIES, PERSISTENCE_MIGRATIONS } from './data-source';
export { runMigrations, MIGRATION_LOCK_KEY } from './run-migrations';
export { RequestEntity } from './request.entity';
export { RequestEventEntity } from './request-event.entity';
export { InitialSchema1764200000000 } from './migrations/1764200000000-initial-schema';
export { ProjectionRows1764300000000 } from './migrations/1764300000000-projection-rows';
