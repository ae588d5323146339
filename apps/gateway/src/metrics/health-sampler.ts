import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { AdminHealthSummary, HealthSample } from '@app/contracts';
import { GatewayMetrics } from './gateway-metrics';

/** One sampling interval; the history covers SAMPLES of them (5 minutes). */
const SAMPLE_EVERY_MS = 5000;
const SAMPLES = 60;
/** The headline figures cover the last minute. */
const WINDOW_MS = 60_000;

const Metric = {
  recorded: 'agent_stream_events_recorded_total',
  deadLettered: 'agent_stream_events_dead_lettered_total',
  latency: 'agent_stream_delivery_latency_seconds',
  webhooks: 'agent_stream_webhook_deliveries_total',
} as const;

/** The counters' values at one moment; rates are differences between two of these. */
interface CounterReading {
  at: number;
  recorded: number;
  deadLettered: number;
  /** Cumulative delivery-latency bucket counts by upper bound (seconds; Infinity last). */
  latencyBuckets: Array<[number, number]>;
  /** By `result`; null when nothing registered the webhook counter. */
  webhooks: Record<string, number> | null;
}

/**
 * This instance's health at a glance for the console (`GET /admin/health`),
 * read from its own prom-client registry every few seconds: rates and the
 * delivery p99 of each interval, kept for a few minutes for sparklines.
 * Metrics other modules register (webhooks) are read by name when present.
 */
@Injectable()
export class HealthSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly readings: CounterReading[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly metrics: GatewayMetrics) {}

  async onApplicationBootstrap(): Promise<void> {
    this.readings.push(await read(this.metrics.registry));
    this.timer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sample(): Promise<void> {
    this.readings.push(await read(this.metrics.registry));
    if (this.readings.length > SAMPLES + 1) this.readings.shift();
  }

  async summary(instanceId: string): Promise<AdminHealthSummary> {
    const now = await read(this.metrics.registry);
    const readings = [...this.readings, now];
    const windowStart = readings.find((r) => r.at >= now.at - WINDOW_MS - SAMPLE_EVERY_MS / 2) ?? readings[0];
    const headline = between(windowStart, now);
    return {
      instanceId,
      at: new Date(now.at).toISOString(),
      windowSeconds: Math.round((now.at - windowStart.at) / 1000),
      eventsRecordedPerSecond: headline.eventsRecordedPerSecond,
      deliveryLatencyP99Ms: headline.deliveryLatencyP99Ms,
      deadLetteredTotal: now.deadLettered,
      recentDeadLetters: [...this.metrics.recentDeadLetters],
      webhooks: now.webhooks ? { ok: now.webhooks.ok ?? 0, retry: now.webhooks.retry ?? 0, failed: now.webhooks.failed ?? 0 } : null,
      series: readings.slice(1).map((reading, i) => between(readings[i], reading)),
    };
  }
}

/** The figures of the interval between two readings. */
function between(from: CounterReading, to: CounterReading): HealthSample {
  const seconds = Math.max((to.at - from.at) / 1000, 0.001);
  const buckets = to.latencyBuckets.map(([le, count], i): [number, number] => [le, count - (from.latencyBuckets[i]?.[1] ?? 0)]);
  return {
    at: new Date(to.at).toISOString(),
    eventsRecordedPerSecond: round((to.recorded - from.recorded) / seconds),
    deliveryLatencyP99Ms: quantileMs(buckets, 0.99),
    deadLettered: to.deadLettered - from.deadLettered,
    webhooksFailed: (to.webhooks?.failed ?? 0) - (from.webhooks?.failed ?? 0),
  };
}

/**
 * A quantile from cumulative bucket counts, interpolated linearly inside its
 * bucket as Prometheus's `histogram_quantile` does; in the +Inf bucket, the
 * largest finite bound.
 */
export function quantileMs(buckets: Array<[number, number]>, q: number): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return round(lower * 1000);
      const inBucket = count - below;
      return round((lower + (le - lower) * (inBucket > 0 ? (rank - below) / inBucket : 1)) * 1000);
    }
    lower = le;
    below = count;
  }
  return round(lower * 1000);
}

async function read(registry: Registry): Promise<CounterReading> {
  const values = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? null;
  const sum = (list: Array<{ value: number }> | null) => (list ?? []).reduce((total, v) => total + v.value, 0);
  const latency = (await values(Metric.latency)) ?? [];
  const webhookValues = await values(Metric.webhooks);
  const webhooks: Record<string, number> = {};
  for (const v of webhookValues ?? []) webhooks[String(v.labels.result)] = (webhooks[String(v.labels.result)] ?? 0) + v.value;
  return {
    at: Date.now(),
    recorded: sum(await values(Metric.recorded)),
    deadLettered: sum(await values(Metric.deadLettered)),
    latencyBuckets: latency
      .filter((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket'))
      .map((v): [number, number] => [v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), v.value])
      .sort((a, b) => a[0] - b[0]),
    webhooks: webhookValues ? webhooks : null,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
