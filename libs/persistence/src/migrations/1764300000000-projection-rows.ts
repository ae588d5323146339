import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `state` projection moves from one json document per request (rewritten
 * whole by every batch, so each event cost more than the one before) to a row
 * per agent, step and question, written only when an event touches it.
 * `position` keeps the fold's order: the seq at which an agent or step first
 * appeared, the seq of a question's latest ask. Existing documents are
 * converted, in their array order.
 */
export class ProjectionRows1764300000000 implements MigrationInterface {
  name = 'ProjectionRows1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE requests ADD COLUMN result json NULL, ADD COLUMN error json NULL`);
    // Each summary is stored as the fold left it (json keeps its text and key order).
    await queryRunner.query(`
      CREATE TABLE request_agents (
        request_id text    NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        agent      text    NOT NULL,
        position   integer NOT NULL,
        summary    json    NOT NULL,
        PRIMARY KEY (request_id, agent)
      )`);
    await queryRunner.query(`
      CREATE TABLE request_steps (
        request_id text             NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        agent      text             NOT NULL,
        step       double precision NOT NULL,
        position   integer          NOT NULL,
        summary    json             NOT NULL,
        PRIMARY KEY (request_id, agent, step)
      )`);
    await queryRunner.query(`
      CREATE TABLE request_questions (
        request_id  text    NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
        question_id text    NOT NULL,
        position    integer NOT NULL,
        pending     boolean NOT NULL,
        summary     json    NOT NULL,
        PRIMARY KEY (request_id, question_id)
      )`);
    await queryRunner.query(`CREATE INDEX request_questions_pending_idx ON request_questions (request_id) WHERE pending`);
    // No index on position: a snapshot reads a request's rows by the primary key's prefix and
    // sorts them in memory, and every index is one more write for each new step.

    await convertDocuments(queryRunner);
    await queryRunner.query(`ALTER TABLE requests DROP COLUMN projection`);
  }

  // Rebuilds the document; nothing of the original is lost (json keeps text and key order).
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE requests ADD COLUMN projection json NULL`);
    await queryRunner.query(`
      UPDATE requests r SET projection = (left(json_build_object(
        'status', r.status,
        'agents', COALESCE((SELECT json_agg(summary ORDER BY position) FROM request_agents WHERE request_id = r.id), '[]'),
        'steps', COALESCE((SELECT json_agg(summary ORDER BY position) FROM request_steps WHERE request_id = r.id), '[]'),
        'pendingQuestions', COALESCE((SELECT json_agg(summary ORDER BY position) FROM request_questions WHERE request_id = r.id AND pending), '[]'),
        'askedQuestionIds', COALESCE((SELECT json_agg(question_id ORDER BY position) FROM request_questions WHERE request_id = r.id), '[]')
      )::text, -1)
        || CASE WHEN r.result IS NULL THEN '' ELSE ', "result" : ' || r.result::text END
        || CASE WHEN r.error IS NULL THEN '' ELSE ', "error" : ' || r.error::text END
        || '}')::json`);
    await queryRunner.query(`ALTER TABLE requests ALTER COLUMN projection SET NOT NULL, DROP COLUMN result, DROP COLUMN error`);
    await queryRunner.query(`DROP TABLE request_questions`);
    await queryRunner.query(`DROP TABLE request_steps`);
    await queryRunner.query(`DROP TABLE request_agents`);
  }
}

/** Requests converted per round trip. */
const CONVERT_BATCH = 500;

interface OldProjection {
  agents?: Array<{ agent: string }>;
  steps?: Array<{ agent: string; step: number }>;
  pendingQuestions?: Array<{ questionId: string }>;
  askedQuestionIds?: string[];
  result?: unknown;
  error?: unknown;
}

/**
 * Converted in Node, not with Postgres's json operators: those refuse
 * documents holding "\u0000" (which json columns keep), and agents' data may.
 */
async function convertDocuments(queryRunner: QueryRunner): Promise<void> {
  let after = '';
  for (;;) {
    const rows: Array<{ id: string; projection: string }> = await queryRunner.query(
      `SELECT id, projection::text AS projection FROM requests WHERE id > $1 ORDER BY id LIMIT ${CONVERT_BATCH}`,
      [after],
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id;
    const agents: unknown[][] = [[], [], [], []];
    const steps: unknown[][] = [[], [], [], [], []];
    const questions: unknown[][] = [[], [], [], [], []];
    const requests: unknown[][] = [[], [], []];
    for (const { id, projection } of rows) {
      const p = JSON.parse(projection) as OldProjection;
      (p.agents ?? []).forEach((a, i) => push(agents, id, a.agent, i + 1, JSON.stringify(a)));
      (p.steps ?? []).forEach((s, i) => push(steps, id, s.agent, s.step, i + 1, JSON.stringify(s)));
      const pending = p.pendingQuestions ?? [];
      for (const questionId of p.askedQuestionIds ?? []) {
        const at = pending.findIndex((q) => q.questionId === questionId);
        push(questions, id, questionId, at + 1, at >= 0, JSON.stringify(at >= 0 ? pending[at] : { questionId }));
      }
      push(requests, id, 'result' in p ? JSON.stringify(p.result) : null, 'error' in p ? JSON.stringify(p.error) : null);
    }
    await queryRunner.query(
      `INSERT INTO request_agents (request_id, agent, position, summary)
       SELECT r, a, p, s::json FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(r, a, p, s)`,
      agents,
    );
    await queryRunner.query(
      `INSERT INTO request_steps (request_id, agent, step, position, summary)
       SELECT r, a, st, p, s::json FROM unnest($1::text[], $2::text[], $3::float8[], $4::int[], $5::text[]) AS u(r, a, st, p, s)`,
      steps,
    );
    await queryRunner.query(
      `INSERT INTO request_questions (request_id, question_id, position, pending, summary)
       SELECT r, q, p, pe, s::json FROM unnest($1::text[], $2::text[], $3::int[], $4::boolean[], $5::text[]) AS u(r, q, p, pe, s)`,
      questions,
    );
    await queryRunner.query(
      `UPDATE requests SET result = u.result::json, error = u.error::json
         FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, result, error) WHERE requests.id = u.id`,
      requests,
    );
  }
}

function push(columns: unknown[][], ...values: unknown[]): void {
  values.forEach((value, i) => columns[i].push(value));
}
