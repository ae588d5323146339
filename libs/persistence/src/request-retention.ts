import { Injectable } from '@nestjs/common';
import { FINAL_STATUSES } from '@app/contracts';
import { DataSource } from 'typeorm';

/** Arbitrary, fixed, distinct from the migration lock: every instance must use the same key. */
export const RETENTION_LOCK_KEY = 7_365_001_043;

export interface PurgeResult {
  deleted: number;
  /** DELETE statements that removed something. */
  batches: number;
}

/**
 * Deletes finished requests whose last change is older than a number of
 * days. A request's events, and whatever else hangs off it, go with its row
 * (ON DELETE CASCADE). Batches are small statements of their own, so no lock
 * is held long; SKIP LOCKED steps around rows a writer holds.
 */
@Injectable()
export class RequestRetention {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * null: another instance holds the retention lock and is purging now. The
   * lock is a session advisory lock on one connection: a crashed holder's
   * connection closes and frees it.
   */
  async purgeFinished(olderThanDays: number, batchSize: number): Promise<PurgeResult | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [RETENTION_LOCK_KEY]);
      if (!locked) return null;
      try {
        const result: PurgeResult = { deleted: 0, batches: 0 };
        for (;;) {
          // On Postgres a DELETE through query() resolves to [rows, affected].
          const [, affected]: [unknown[], number] = await runner.query(
            `DELETE FROM requests WHERE id IN (
               SELECT id FROM requests
                WHERE status = ANY($1::text[]) AND updated_at < now() - make_interval(days => $2)
                ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)`,
            [FINAL_STATUSES, olderThanDays, batchSize],
          );
          if (affected === 0) return result;
          result.deleted += affected;
          result.batches += 1;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [RETENTION_LOCK_KEY]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
