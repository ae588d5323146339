import { sleep, wallNow, LoadProcess } from '../common';
import type { DeliveryCounts, FromWatchers, ToWatchers } from '../load';
import { requestIds, splitEvenly, sumCounts } from './load-run';
import type { ServerUnderTest } from './servers';

/** Let the heap and the kernel's socket buffers settle before reading RSS. */
const SETTLE_MS = 3000;
const SETUP_TIMEOUT_MS = 300_000;

export interface MemoryResult {
  connections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** (RSS with the connections − RSS before them) per 1,000 connections. */
  mibPerThousand: number;
  connectMs: number;
  counts: DeliveryCounts;
}

/**
 * Scenario (d): a fresh server process (no heap left over from another
 * scenario), its requests created first for the product (one per
 * connection), RSS read, then `connections` sockets each watching its own
 * request through the handshake, RSS read again once every one watches.
 */
export async function measureConnectionMemory(server: ServerUnderTest, connections: number, processes: number): Promise<MemoryResult> {
  await server.restart();
  const target = server.endpoint();
  const watchers = splitEvenly(requestIds(connections, 'conn'), processes).map((part, i) => {
    const watcher = new LoadProcess<ToWatchers, FromWatchers>(`watchers#${i + 1}`, 'load/watchers.js');
    const plan = { target, requestIds: part, watchersPerRequest: 1, eventsPerRequest: 0, warmupEvents: 0, createRequests: target.kind === 'product', earlyLate: false };
    watcher.send({ kind: 'plan', plan });
    return watcher;
  });
  try {
    await Promise.all(watchers.map((w) => w.next('created', SETUP_TIMEOUT_MS)));
    await sleep(SETTLE_MS);
    const rssBeforeBytes = server.rssBytes();
    const connectStart = wallNow();
    watchers.forEach((w) => w.send({ kind: 'connect' }));
    await Promise.all(watchers.map((w) => w.next('ready', SETUP_TIMEOUT_MS)));
    const connectMs = wallNow() - connectStart;
    await sleep(SETTLE_MS);
    const rssAfterBytes = server.rssBytes();
    watchers.forEach((w) => w.send({ kind: 'go' }));
    watchers.forEach((w) => w.send({ kind: 'finish', deadline: wallNow() }));
    const reports = await Promise.all(watchers.map((w) => w.next('done', 60_000).then((m) => m.report)));
    return {
      connections,
      rssBeforeBytes,
      rssAfterBytes,
      mibPerThousand: (rssAfterBytes - rssBeforeBytes) / 2 ** 20 / (connections / 1000),
      connectMs,
      counts: sumCounts(reports.map((r) => r.counts)),
    };
  } finally {
    await Promise.all(watchers.map((w) => w.stop()));
  }
}
