import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Steps' output text (`state.steps[].output`), kept so that a delta costs the
 * same however long the text before it is: each recorded batch appends one
 * chunk row per step it wrote to (never rewriting the text), and the step row
 * counts the bytes held, which is all the limit (OUTPUT_MAX_BYTES) needs.
 * A snapshot concatenates a step's chunks in seq order. Chunks are bytea
 * (UTF-8): text columns refuse "\u0000", which an output may hold.
 */
export class StepOutput1765100000000 implements MigrationInterface {
  name = 'StepOutput1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE request_steps ADD COLUMN output_bytes integer NOT NULL DEFAULT 0`);
    // Keyed by (request, seq of the chunk's first delta): a request's chunks are one index range, in order.
    await queryRunner.query(`
      CREATE TABLE request_step_output (
        request_id text             NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        seq        integer          NOT NULL,
        agent      text             NOT NULL,
        step       double precision NOT NULL,
        chunk      bytea            NOT NULL,
        PRIMARY KEY (request_id, seq)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE request_step_output`);
    await queryRunner.query(`ALTER TABLE request_steps DROP COLUMN output_bytes`);
  }
}
