import { Injectable } from '@nestjs/common';
import type { RequestStatus } from '@app/contracts';
import { DataSource } from 'typeorm';
import type { RequestHeader } from './request-record';
import { toHeader, type RequestRow } from './request-row';

/** Where a keyset page ends: `createdAt` exactly as stored (microseconds), and the id that breaks ties. */
export interface CatalogPosition {
  createdAt: string;
  requestId: string;
}

export interface CatalogEntry extends RequestHeader {
  userQuery: string;
  position: CatalogPosition;
}

export interface InstanceRow {
  instanceId: string;
  heartbeatAt: Date;
  startedAt: Date;
  gauges: Record<string, number>;
  /** Sum of its per-request socket counts. */
  watchingSockets: number;
}

export interface CatalogQuery {
  status?: RequestStatus;
  owner?: string;
  /** Text the user query or the id contains, case-insensitive (a scan over the keyset range, no index). */
  text?: string;
  limit: number;
  /** Only entries after this one (older, newest first). */
  after?: CatalogPosition;
}

interface CatalogRow extends RequestRow {
  user_query: string;
  position: string;
}

// Microseconds, UTC: a JavaScript Date keeps milliseconds only, and a cursor rounded to them would skip or repeat rows.
const EXACT_CREATED_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Read-mostly SQL for operators: the request list (keyset pages, newest
 * first) and presence (how many sockets each gateway has on each request).
 * Touches only the columns it names; the recording path never waits on it.
 */
@Injectable()
export class RequestCatalog {
  constructor(private readonly dataSource: DataSource) {}

  /** Up to `limit` requests, newest first, and where the next page starts (null: this was the last). */
  async list(query: CatalogQuery): Promise<{ items: CatalogEntry[]; next: CatalogPosition | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    if (query.status !== undefined) where.push(`status = ${bind(query.status)}`);
    if (query.owner !== undefined) where.push(`owner = ${bind(query.owner)}`);
    if (query.text !== undefined) {
      const text = bind(query.text.toLowerCase());
      where.push(`(strpos(lower(user_query), ${text}) > 0 OR strpos(lower(id), ${text}) > 0)`);
    }
    if (query.after) where.push(`(created_at, id) < (${bind(query.after.createdAt)}::timestamptz, ${bind(query.after.requestId)})`);
    const rows: CatalogRow[] = await this.dataSource.query(
      `SELECT id, owner, status, user_query, last_seq, created_at, updated_at, ${EXACT_CREATED_AT} AS position
         FROM requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC
        LIMIT ${bind(query.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, query.limit).map(toEntry);
    return { items, next: rows.length > query.limit ? items[items.length - 1].position : null };
  }

  /**
   * One gateway's report of its per-request socket counts: refreshes its
   * heartbeat and writes only what changed since `previous` (the counts it
   * last reported), in one transaction. When its row is new (first report, or
   * it had been forgotten) everything is written. `gauges` (this instance's
   * own figures) replace the last ones. Also forgets gateways silent
   * for `forgetAfterMs` (their counts cascade).
   */
  async reportPresence(
    instanceId: string,
    counts: Map<string, number>,
    previous: Map<string, number>,
    forgetAfterMs: number,
    gauges: Record<string, number> = {},
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const [{ inserted }]: Array<{ inserted: boolean }> = await em.query(
        `INSERT INTO gateway_instances (instance_id, heartbeat_at, gauges) VALUES ($1, now(), $2)
         ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now(), gauges = EXCLUDED.gauges
         RETURNING (xmax = 0) AS inserted`,
        [instanceId, JSON.stringify(gauges)],
      );
      const base = inserted ? new Map<string, number>() : previous;
      const removed = [...base.keys()].filter((requestId) => !counts.has(requestId));
      const changed = [...counts].filter(([requestId, sockets]) => base.get(requestId) !== sockets);
      if (removed.length > 0) {
        await em.query(`DELETE FROM request_watchers WHERE instance_id = $1 AND request_id = ANY($2::text[])`, [instanceId, removed]);
      }
      if (changed.length > 0) {
        await em.query(
          `INSERT INTO request_watchers (instance_id, request_id, sockets)
           SELECT $1, w.request_id, w.sockets FROM unnest($2::text[], $3::int[]) AS w(request_id, sockets)
           ON CONFLICT (request_id, instance_id) DO UPDATE SET sockets = EXCLUDED.sockets`,
          [instanceId, changed.map(([requestId]) => requestId), changed.map(([, sockets]) => sockets)],
        );
      }
      await em.query(`DELETE FROM gateway_instances WHERE heartbeat_at < now() - $1 * interval '1 millisecond'`, [forgetAfterMs]);
    });
  }

  /** A gateway shutting down takes its counts with it at once. */
  async forgetInstance(instanceId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM gateway_instances WHERE instance_id = $1`, [instanceId]);
  }

  /** The gateways heard from within `freshWithinMs`, oldest first, with the gauges of their last report. */
  async instances(freshWithinMs: number): Promise<InstanceRow[]> {
    const rows: Array<{ instance_id: string; heartbeat_at: Date; started_at: Date; gauges: Record<string, number>; watching_sockets: number }> = await this.dataSource.query(
      `SELECT g.instance_id, g.heartbeat_at, g.started_at, g.gauges,
              (SELECT coalesce(sum(w.sockets), 0)::int FROM request_watchers w WHERE w.instance_id = g.instance_id) AS watching_sockets
         FROM gateway_instances g
        WHERE g.heartbeat_at >= now() - $1 * interval '1 millisecond'
        ORDER BY g.started_at, g.instance_id`,
      [freshWithinMs],
    );
    return rows.map((row) => ({
      instanceId: row.instance_id,
      heartbeatAt: row.heartbeat_at,
      startedAt: row.started_at,
      gauges: row.gauges,
      watchingSockets: row.watching_sockets,
    }));
  }

  /** Sockets watching each request, summed over the gateways heard from within `freshWithinMs`; absent ids have 0. */
  async watcherCounts(requestIds: string[], freshWithinMs: number): Promise<Map<string, number>> {
    if (requestIds.length === 0) return new Map();
    const rows: Array<{ request_id: string; sockets: number }> = await this.dataSource.query(
      `SELECT w.request_id, sum(w.sockets)::int AS sockets
         FROM request_watchers w JOIN gateway_instances g USING (instance_id)
        WHERE w.request_id = ANY($1::text[]) AND g.heartbeat_at >= now() - $2 * interval '1 millisecond'
        GROUP BY w.request_id`,
      [requestIds, freshWithinMs],
    );
    return new Map(rows.map((row) => [row.request_id, row.sockets]));
  }
}

function toEntry(row: CatalogRow): CatalogEntry {
  return { ...toHeader(row), userQuery: row.user_query, position: { createdAt: row.position, requestId: row.id } };
}
