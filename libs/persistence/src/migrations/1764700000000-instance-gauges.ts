import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each gateway's own gauges (sockets, watched requests, ingest shards held…)
 * beside its heartbeat, so any instance can show the operator console the
 * whole cluster; and when the instance started.
 */
export class InstanceGauges1764700000000 implements MigrationInterface {
  name = 'InstanceGauges1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway_instances ADD COLUMN gauges jsonb NOT NULL DEFAULT '{}', ADD COLUMN started_at timestamptz NOT NULL DEFAULT now()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway_instances DROP COLUMN gauges, DROP COLUMN started_at`);
  }
}
