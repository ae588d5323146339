import { Controller, Get, Injectable, Logger, Module, Query, type OnModuleInit } from '@nestjs/common';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { RequestCompletedMessage } from '@app/contracts';
import { AppConfig } from '@app/config';
import { migrateExtension } from '@app/persistence';
import { AdminOnly, OnRequestEvent, type RequestEventContext } from '@app/gateway';

/** The audit table. Its own migration, recorded in its own table (`audit_migrations`). */
export class AuditLog1765000000000 implements MigrationInterface {
  name = 'AuditLog1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        request_id  text PRIMARY KEY,
        owner       text NOT NULL,
        status      text NOT NULL,
        seq         integer NOT NULL,
        finished_at timestamptz NOT NULL,
        audited_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX audit_log_finished_at ON audit_log (finished_at DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_log');
  }
}

export interface AuditRow {
  requestId: string;
  owner: string;
  status: string;
  seq: number;
  finishedAt: string;
}

/** One row per finished request. */
@Injectable()
export class AuditTrail implements OnModuleInit {
  private readonly logger = new Logger(AuditTrail.name);

  constructor(
    private readonly config: AppConfig,
    private readonly db: DataSource, // the gateway's own connection pool
  ) {}

  /** Runs before the hook gets its first message. */
  async onModuleInit(): Promise<void> {
    const applied = await migrateExtension(this.config.DATABASE_URL, { migrationsTable: 'audit_migrations', migrations: [AuditLog1765000000000] });
    if (applied.length > 0) this.logger.log(`applied ${applied.join(', ')}`);
  }

  // Delivered at least once: the row is written once per request whatever the repeats.
  // A throw (the database away) is retried with backoff, then dead-lettered to the hook's `.dead` queue.
  @OnRequestEvent('request.completed')
  async record(message: RequestCompletedMessage, { owner }: RequestEventContext): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (request_id, owner, status, seq, finished_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (request_id) DO NOTHING`,
      [message.requestId, owner, message.status, message.seq, message.ts],
    );
  }

  async latest(limit: number): Promise<AuditRow[]> {
    const rows: Array<{ request_id: string; owner: string; status: string; seq: number; finished_at: Date }> = await this.db.query(
      'SELECT request_id, owner, status, seq, finished_at FROM audit_log ORDER BY finished_at DESC, request_id LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ requestId: r.request_id, owner: r.owner, status: r.status, seq: r.seq, finishedAt: r.finished_at.toISOString() }));
  }
}

export class AuditQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit: number = 50;
}

/** `GET /admin/audit?limit=`: admins only, like our own admin API. */
@AdminOnly()
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditTrail) {}

  @Get()
  async list(@Query() query: AuditQuery): Promise<{ items: AuditRow[] }> {
    return { items: await this.audit.latest(query.limit) };
  }
}

/** Registered in one line: `createGatewayApp({ imports: [AuditModule] })`. */
@Module({ providers: [AuditTrail], controllers: [AuditController] })
export class AuditModule {}
