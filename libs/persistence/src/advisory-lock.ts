import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Runs work while holding a Postgres advisory lock, so that only one gateway
 * at a time does it (a session lock on one pooled connection: a crashed
 * holder's connection closes and frees it). Waits up to `waitMs` for the lock,
 * then fails with Postgres's lock timeout (the caller answers UNAVAILABLE).
 */
@Injectable()
export class AdvisoryLock {
  constructor(private readonly dataSource: DataSource) {}

  async exclusive<T>(key: number, waitMs: number, work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT set_config('lock_timeout', $1, false)`, [`${waitMs}ms`]);
      await runner.query('SELECT pg_advisory_lock($1::bigint)', [key]);
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
      }
    } finally {
      await runner.query(`SELECT set_config('lock_timeout', '0', false)`).catch(() => undefined);
      await runner.release();
    }
  }
}
