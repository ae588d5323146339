import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { RequestCatalog } from './request-catalog';
import { RequestRetention } from './request-retention';
import { RequestStore } from './request-store';
import { runMigrations } from './run-migrations';
import { AdvisoryLock } from './advisory-lock';

/** Brings the schema up to date before anything that depends on this module starts. */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger('Persistence');

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const applied = await runMigrations(this.dataSource);
    if (applied.length > 0) this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  }
}

/** Postgres access for the product: needs the global AppConfigModule. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => dataSourceOptions(config.DATABASE_URL),
    }),
  ],
  providers: [MigrationRunner, RequestStore, RequestCatalog, RequestRetention, AdvisoryLock],
  exports: [RequestStore, RequestCatalog, RequestRetention, AdvisoryLock],
})
export class PersistenceModule {}
