/**
 * A log-bucketed latency histogram (1 % relative precision from 0.01 ms to
 * 1,000 s). Watcher processes each fill one; the orchestrator merges them,
 * which raw sample arrays of millions of deliveries would make slow.
 */
const MIN_MS = 0.01;
const GROWTH = 1.01;
const BUCKETS = Math.ceil(Math.log(1_000_000 / MIN_MS) / Math.log(GROWTH)) + 1;

/** What crosses the process boundary (structured clone keeps the typed array). */
export interface HistogramData {
  counts: Float64Array;
  count: number;
  max: number;
  /** Deliveries whose receive time came before their send time (clock trouble): counted in the lowest bucket. */
  negative: number;
  /** Events never delivered: they rank above every delivered one. */
  lost: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;
  negative = 0;
  lost = 0;

  record(ms: number): void {
    if (ms < 0) this.negative++;
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[index]++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Events that never arrived: a percentile that reaches them is Infinity, so a loss can never look fast. */
  recordLost(events: number): void {
    this.lost += events;
  }

  merge(data: HistogramData): this {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += data.counts[i];
    this.count += data.count;
    this.negative += data.negative;
    this.lost += data.lost;
    this.max = Math.max(this.max, data.max);
    return this;
  }

  /** The p-th percentile (0 < p ≤ 100): the upper edge of its bucket, never above the largest sample; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.count + this.lost === 0) return undefined;
    const rank = Math.ceil((p / 100) * (this.count + this.lost));
    if (rank > this.count) return Infinity;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, MIN_MS * GROWTH ** i);
    }
    return this.max;
  }

  toData(): HistogramData {
    return { counts: this.counts, count: this.count, max: this.max, negative: this.negative, lost: this.lost };
  }

  static merged(parts: Iterable<HistogramData>): LatencyHistogram {
    const histogram = new LatencyHistogram();
    for (const part of parts) histogram.merge(part);
    return histogram;
  }
}
