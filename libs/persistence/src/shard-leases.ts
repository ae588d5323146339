import { randomInt } from 'node:crypto';
import { Client } from 'pg';

/**
 * Advisory-lock key spaces (the two-int form: `pg_advisory_lock(class, id)`),
 * fixed and distinct from the migration and retention locks: every instance
 * must use the same ones.
 */
export const LEASE_MEMBER_CLASS = 73_650_044;
export const LEASE_SHARD_CLASS = 73_650_045;

/** A live member of the lease group: its key, in order of joining (oldest first). */
export interface LeaseMember {
  key: number;
}

/**
 * One instance's leases on the ingest shards: session advisory locks on a
 * connection of its own. Holding `(LEASE_SHARD_CLASS, i)` is the right to
 * consume shard i; holding `(LEASE_MEMBER_CLASS, key)` says the instance is
 * alive. Postgres frees them all the moment the connection ends — a killed
 * process's leases are free as soon as its socket closes, with no timeout to
 * wait out — and `onLost` tells the owner its leases are gone, so it stops
 * consuming before anyone else may start.
 */
export class ShardLeaseSession {
  readonly key = randomInt(1, 2 ** 31 - 1);
  private lost = false;

  private constructor(private readonly client: Client) {}

  /** Connects and joins the member list; `onLost` runs once if the connection ends (not after `close`). */
  static async open(databaseUrl: string, onLost: (session: ShardLeaseSession, error?: Error) => void): Promise<ShardLeaseSession> {
    const client = new Client({ connectionString: databaseUrl, keepAlive: true, application_name: 'agent-stream shard leases' });
    const session = new ShardLeaseSession(client);
    const lose = (error?: Error) => {
      if (session.lost) return;
      session.lost = true;
      onLost(session, error);
    };
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1, $2)', [LEASE_MEMBER_CLASS, session.key]);
    } catch (error) {
      await session.close();
      throw error;
    }
    // Only now: a session that never opened was never anyone's to lose.
    client.on('error', lose);
    client.on('end', () => lose());
    return session;
  }

  /**
   * The live members, oldest first (by when their lease connection began,
   * then key): the order is stable while members come and go, so the ones
   * that already hold shards keep their quota.
   */
  async members(): Promise<LeaseMember[]> {
    const { rows } = await this.client.query<{ key: string }>(
      `SELECT l.objid::bigint AS key
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = $1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY a.backend_start NULLS LAST, l.objid`,
      [LEASE_MEMBER_CLASS],
    );
    return rows.map((r) => ({ key: Number(r.key) }));
  }

  /** Takes shard `shard`'s lease if it is free; false when another instance holds it. */
  async tryAcquire(shard: number): Promise<boolean> {
    const { rows } = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LEASE_SHARD_CLASS, shard]);
    return rows[0].ok;
  }

  async release(shard: number): Promise<void> {
    await this.client.query('SELECT pg_advisory_unlock($1, $2)', [LEASE_SHARD_CLASS, shard]);
  }

  get isLost(): boolean {
    return this.lost;
  }

  /** Ends the session: every lease it held is free. */
  async close(): Promise<void> {
    this.lost = true;
    await this.client.end().catch(() => undefined);
  }
}
