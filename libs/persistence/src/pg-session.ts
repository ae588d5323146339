import type { DataSource } from 'typeorm';

/** One statement: its text, and a name when it is worth preparing once per connection. */
export interface Statement {
  text: string;
  /** Parsed and planned once per connection (the hot path's big statements). */
  name?: string;
}

/** A connection inside a transaction: `query` resolves to the rows. */
export interface Tx {
  query<R = Record<string, unknown>>(statement: string | Statement, values?: unknown[]): Promise<R[]>;
}

interface PoolClient {
  query(config: { text: string; name?: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
  release(destroy?: boolean): void;
}
interface Pool {
  connect(): Promise<PoolClient>;
  query(config: { text: string; name?: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
}

function config(statement: string | Statement, values?: unknown[]) {
  const { text, name } = typeof statement === 'string' ? { text: statement, name: undefined } : statement;
  return { text, ...(name ? { name } : {}), ...(values ? { values } : {}) };
}

/**
 * Transactions straight on node-postgres, under TypeORM's own pool (same
 * connections, settings and type parsers). TypeORM's query runner adds
 * about 0.1 ms to each statement, and its transaction wrapper more, which on
 * the recording path's busy event loop became a good part of an event's
 * latency.
 */
export class PgSessions {
  constructor(private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    // TypeORM's PostgresDriver keeps its pg.Pool as `master`.
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /** One statement outside a transaction: reads, and a batch's guarded write (atomic on its own). */
  async query<R = Record<string, unknown>>(statement: string | Statement, values?: unknown[]): Promise<R[]> {
    return (await this.pool.query(config(statement, values))).rows as R[];
  }

  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Tx = { query: async <R>(statement: string | Statement, values?: unknown[]) => (await client.query(config(statement, values))).rows as R[] };
    let broken = false;
    try {
      // One round trip: the transaction and its plan mode. The recording statements take arrays
      // (unnest), whose custom plans cost more to make than they save (measured inside a locked
      // transaction: the batch read 0.8 → 0.4 ms with generic plans).
      await client.query({ text: 'BEGIN; SET LOCAL plan_cache_mode = force_generic_plan' });
      const result = await work(tx);
      await client.query({ text: 'COMMIT' });
      return result;
    } catch (error) {
      // A connection that cannot even roll back is dropped from the pool, not reused.
      await client.query({ text: 'ROLLBACK' }).catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
