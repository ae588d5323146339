import { LatencyHistogram } from '../common';
import { readOutputStamp } from './output-stamp';
import type { DeliveryCounts } from './protocol';

/** The share of each request's events at its start and at its end that scenario (e) compares. */
const EDGE_SHARE = 0.1;

/** What the watchers of one process saw, all connections together. */
export class DeliveryTally {
  readonly counts: DeliveryCounts = { expected: 0, delivered: 0, lost: 0, duplicates: 0, outOfOrder: 0, seqGaps: 0, seqRepeats: 0, foreign: 0, disconnects: 0 };
  readonly latency = new LatencyHistogram();
  readonly early = new LatencyHistogram();
  readonly late = new LatencyHistogram();
  /** Distinct events received, over all connections: the run is complete when it reaches `counts.expected`. */
  distinct = 0;
  lastDeliveryAt = 0;

  constructor(readonly earlyLate: boolean) {}
}

interface Delivered {
  requestId?: unknown;
  seq?: unknown;
  /** The product's `output` message. */
  delta?: unknown;
  /** The agent's data: the product's `progress`, and every body the relay passes on. */
  data?: { n?: unknown; sentAt?: unknown; delta?: unknown };
}

/** The event's counter and publish time: in `data`, or in a stamped output delta (scenario g). */
function stampOf(message: Delivered): { n?: unknown; sentAt?: unknown } {
  const delta = message.delta ?? message.data?.delta;
  return typeof delta === 'string' ? readOutputStamp(delta) : (message.data ?? {});
}

/**
 * Checks every message one connection receives for the request it watches:
 * each event counter `n` (1..expected) must come exactly once and in order;
 * for the product, live `seq` must go up by exactly 1 from the handshake
 * `state`'s seq (docs/protocol.md §1: never skips, never repeats).
 */
export class DeliveryLedger {
  private readonly seen: Uint8Array;
  private highestN = 0;
  private lastSeq: number | undefined;
  private readonly edge: number;

  /** `expected` events per request, of which the first `warmup` are checked but not timed. */
  constructor(
    private readonly requestId: string,
    private readonly expected: number,
    private readonly warmup: number,
    private readonly tally: DeliveryTally,
  ) {
    this.seen = new Uint8Array(expected + 1);
    this.edge = Math.ceil((expected - warmup) * EDGE_SHARE);
    tally.counts.expected += expected;
  }

  take(event: string, message: Delivered, receivedAt: number): void {
    const { counts } = this.tally;
    if (message?.requestId !== this.requestId) {
      if (event !== 'error' || message?.requestId !== undefined) counts.foreign++;
      return;
    }
    if (typeof message.seq === 'number') this.checkSeq(event, message.seq);
    const { n, sentAt } = stampOf(message);
    if (typeof n !== 'number' || typeof sentAt !== 'number') return; // a status or snapshot: seq only
    if (!Number.isInteger(n) || n < 1 || n > this.expected) {
      counts.foreign++;
      return;
    }
    counts.delivered++;
    if (this.seen[n]) {
      counts.duplicates++;
      return;
    }
    this.seen[n] = 1;
    this.tally.distinct++;
    if (n < this.highestN) counts.outOfOrder++;
    else this.highestN = n;
    this.tally.lastDeliveryAt = receivedAt;
    if (n <= this.warmup) return;
    const latency = receivedAt - sentAt;
    this.tally.latency.record(latency);
    if (this.tally.earlyLate && n <= this.warmup + this.edge) this.tally.early.record(latency);
    if (this.tally.earlyLate && n > this.expected - this.edge) this.tally.late.record(latency);
  }

  /** At the end: counts the events this connection never received, into the tally and its latency figures. */
  closeBooks(): void {
    const { tally } = this;
    for (let n = 1; n <= this.expected; n++) {
      if (this.seen[n]) continue;
      tally.counts.lost++;
      if (n <= this.warmup) continue;
      tally.latency.recordLost(1);
      if (tally.earlyLate && n <= this.warmup + this.edge) tally.early.recordLost(1);
      if (tally.earlyLate && n > this.expected - this.edge) tally.late.recordLost(1);
    }
  }

  private checkSeq(event: string, seq: number): void {
    const { counts } = this.tally;
    if (event === 'state' || this.lastSeq === undefined) {
      this.lastSeq = Math.max(this.lastSeq ?? 0, seq);
      return;
    }
    if (seq <= this.lastSeq) counts.seqRepeats++;
    else {
      counts.seqGaps += seq - this.lastSeq - 1;
      this.lastSeq = seq;
    }
  }
}
