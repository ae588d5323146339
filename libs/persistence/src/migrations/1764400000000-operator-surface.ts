import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the operator surface reads and keeps:
 * - keyset indexes for the admin list (newest first, id breaks ties), replacing
 *   the created_at-only ones, so a page is an index range scan;
 * - a partial index that finds finished requests by age for retention;
 * - presence: each gateway's heartbeat and its per-request socket counts.
 */
export class OperatorSurface1764400000000 implements MigrationInterface {
  name = 'OperatorSurface1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS requests_owner_created_at_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS requests_status_created_at_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS requests_created_at_idx`);
    await queryRunner.query(`CREATE INDEX requests_owner_created_at_id_idx ON requests (owner, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX requests_status_created_at_id_idx ON requests (status, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX requests_created_at_id_idx ON requests (created_at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX requests_finished_updated_at_idx ON requests (updated_at) WHERE status IN ('completed', 'failed', 'cancelled')`,
    );
    // Unlogged: presence is rebuilt from live sockets within one report interval, so a crash may lose it.
    await queryRunner.query(`
      CREATE UNLOGGED TABLE gateway_instances (
        instance_id  text        PRIMARY KEY,
        heartbeat_at timestamptz NOT NULL
      )`);
    // No foreign key to requests: a socket may watch an id before it exists, and retention deletes requests.
    await queryRunner.query(`
      CREATE UNLOGGED TABLE request_watchers (
        instance_id text    NOT NULL REFERENCES gateway_instances (instance_id) ON DELETE CASCADE,
        request_id  text    NOT NULL,
        sockets     integer NOT NULL CHECK (sockets > 0),
        PRIMARY KEY (request_id, instance_id)
      )`);
    await queryRunner.query(`CREATE INDEX request_watchers_instance_id_idx ON request_watchers (instance_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE request_watchers`);
    await queryRunner.query(`DROP TABLE gateway_instances`);
    await queryRunner.query(`DROP INDEX requests_finished_updated_at_idx`);
    await queryRunner.query(`DROP INDEX requests_created_at_id_idx`);
    await queryRunner.query(`DROP INDEX requests_status_created_at_id_idx`);
    await queryRunner.query(`DROP INDEX requests_owner_created_at_id_idx`);
    await queryRunner.query(`CREATE INDEX requests_owner_created_at_idx ON requests (owner, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX requests_status_created_at_idx ON requests (status, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX requests_created_at_idx ON requests (created_at DESC)`);
  }
}
