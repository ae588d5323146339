import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764200000000 implements MigrationInterface {
  // Explicit: a minifying build would otherwise rename the class, and TypeORM reads the timestamp from the name.
  name = 'InitialSchema1764200000000';

  // Documents are `json`, not `jsonb`: json keeps the text as sent, so an agent's
  // data with "\u0000" or a lone surrogate (valid JSON, refused by jsonb) is
  // recorded unchanged, key order included. Nothing queries inside them.
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE requests (
        id          text        PRIMARY KEY,
        owner       text        NOT NULL,
        status      text        NOT NULL,
        user_query  text        NOT NULL,
        context     json        NOT NULL DEFAULT '{}'::json,
        last_seq    integer     NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        projection  json        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // (owner, created_at) also serves plain owner look-ups, and "my requests, newest first".
    await queryRunner.query(`CREATE INDEX requests_owner_created_at_idx ON requests (owner, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX requests_status_created_at_idx ON requests (status, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX requests_created_at_idx ON requests (created_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE request_events (
        request_id  text        NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        seq         integer     NOT NULL CHECK (seq > 0),
        event_id    text        NOT NULL,
        type        text        NOT NULL,
        agent       text        NULL,
        payload     json        NOT NULL,
        recorded_at timestamptz NOT NULL,
        CONSTRAINT request_events_pkey PRIMARY KEY (request_id, seq),
        CONSTRAINT request_events_request_id_event_id_key UNIQUE (request_id, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE request_events`);
    await queryRunner.query(`DROP TABLE requests`);
  }
}
