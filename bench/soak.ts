import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Queues } from '@app/contracts';
import { signToken } from '@app/auth';
import { stopAllChildren, wallNow } from './common';
import { runLoad, Sandbox, ServerUnderTest, type LoadResult } from './harness';

/**
 * `npm run soak -- [--minutes 10] [--sockets 10000] [--rate 1000] [--watchers-per-request 10] [--interval 30]`
 *
 * Figures, not a test (issue 15): one gateway process under a steady load
 * for a long time — `sockets` watching connections spread over
 * sockets / watchers-per-request requests, `rate` agent events per second
 * over all of them — with every delivery checked by the bench's watcher
 * processes (lost, duplicated, reordered, disconnects). Every `interval`
 * seconds it prints the gateway's RSS, V8 heap, event-loop delay p99 (over
 * that interval) and deliveries per second, read from its own /metrics; at
 * the end, the memory trend after the warm-up (least-squares slope). Its
 * own vhost and database, removed at the end, as the bench.
 */
interface SoakOptions {
  minutes: number;
  sockets: number;
  rate: number;
  watchersPerRequest: number;
  intervalS: number;
  /** Samples before this many seconds into the load are the warm-up: left out of the trend. */
  warmupS: number;
  /** How long after the last publish the watchers wait for a backlog to drain before what is missing counts as lost. */
  graceS: number;
}

const USAGE = `usage: npm run soak -- [--minutes M] [--sockets N] [--rate R] [--watchers-per-request W] [--interval S] [--warmup S]
  --minutes M               how long events flow (default 10; decimals allowed)
  --sockets N               watching connections (default 10000)
  --rate R                  agent events per second over all requests (default 1000)
  --watchers-per-request W  connections per request (default 10): N / W requests
  --interval S              seconds between samples (default 30)
  --warmup S                seconds of load left out of the memory trend (default: 2 intervals)
  --grace S                 seconds after the last publish a backlog may take to arrive before it counts as lost (default 120)`;

/** A bad flag (or --help): its message is the whole answer, usage included. */
class UsageError extends Error {}

export function parseSoakOptions(argv: string[]): SoakOptions {
  const options: SoakOptions = { minutes: 10, sockets: 10_000, rate: 1000, watchersPerRequest: 10, intervalS: 30, warmupS: -1, graceS: 120 };
  const flags: Record<string, keyof SoakOptions> = {
    '--minutes': 'minutes',
    '--sockets': 'sockets',
    '--rate': 'rate',
    '--watchers-per-request': 'watchersPerRequest',
    '--interval': 'intervalS',
    '--warmup': 'warmupS',
    '--grace': 'graceS',
  };
  for (let i = 0; i < argv.length; i++) {
    const key = flags[argv[i]];
    if (argv[i] === '--help') throw new UsageError(USAGE);
    if (!key) throw new UsageError(`unknown argument '${argv[i]}'\n${USAGE}`);
    const value = Number(argv[++i]);
    const whole = key !== 'minutes' && key !== 'intervalS' && key !== 'warmupS' && key !== 'graceS';
    if (!Number.isFinite(value) || value < 0 || (key !== 'warmupS' && value <= 0) || (whole && !Number.isInteger(value))) {
      throw new UsageError(`${argv[i - 1]} takes a ${whole ? 'positive integer' : 'positive number'}; got '${argv[i] ?? ''}'\n${USAGE}`);
    }
    options[key] = value;
  }
  if (options.sockets % options.watchersPerRequest !== 0) throw new UsageError(`--sockets must be a multiple of --watchers-per-request\n${USAGE}`);
  if (options.warmupS < 0) options.warmupS = 2 * options.intervalS;
  return options;
}

interface Sample {
  /** Seconds since the events started flowing. */
  atS: number;
  rssMiB: number;
  heapMiB: number;
  loopP99Ms: number;
  sockets: number;
  deliveredPerS: number;
}

/** The figures this instance publishes at /metrics (prom-client's defaults and ours). */
async function readMetrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (match) values.set(match[1], (values.get(match[1]) ?? 0) + Number(match[2]));
  }
  return values;
}

/** Least-squares slope of y against x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const MiB = 2 ** 20;
const fmt = (value: number | undefined, digits = 1) => (value === undefined ? '—' : value.toFixed(digits));

/** Samples the gateway every interval while `load` runs; the first sample is taken once the events flow. */
class GatewaySampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private lastDelivered = 0;
  private lastAt = 0;

  constructor(
    private readonly url: string,
    private readonly intervalS: number,
    private readonly setupStartedAt: number,
  ) {}

  async begin(): Promise<void> {
    this.startedAt = wallNow();
    console.log(`  events flowing (setup took ${((this.startedAt - this.setupStartedAt) / 1000).toFixed(0)} s)`);
    const metrics = await readMetrics(this.url); // also resets the event-loop window
    this.lastDelivered = metrics.get('agent_stream_events_delivered_total') ?? 0;
    this.lastAt = this.startedAt;
    this.timer = setInterval(() => void this.sample().catch((error: Error) => console.error(`  sample failed: ${error.message}`)), this.intervalS * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    const metrics = await readMetrics(this.url);
    const now = wallNow();
    const delivered = metrics.get('agent_stream_events_delivered_total') ?? 0;
    const sample: Sample = {
      atS: (now - this.startedAt) / 1000,
      rssMiB: (metrics.get('process_resident_memory_bytes') ?? 0) / MiB,
      heapMiB: (metrics.get('nodejs_heap_size_used_bytes') ?? 0) / MiB,
      loopP99Ms: (metrics.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000,
      sockets: metrics.get('agent_stream_connected_sockets') ?? 0,
      deliveredPerS: ((delivered - this.lastDelivered) * 1000) / Math.max(1, now - this.lastAt),
    };
    [this.lastDelivered, this.lastAt] = [delivered, now];
    this.samples.push(sample);
    console.log(
      `  t=${fmt(sample.atS, 0).padStart(4)} s  RSS ${fmt(sample.rssMiB)} MiB  heap ${fmt(sample.heapMiB)} MiB  ` +
        `event-loop p99 ${fmt(sample.loopP99Ms)} ms  sockets ${sample.sockets}  delivered ${fmt(sample.deliveredPerS, 0)}/s`,
    );
  }
}

export interface SoakSummary {
  sockets: number;
  rate: number;
  minutes: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  reordered: number;
  /** Live `seq` numbers a connection skipped (a loss in the middle of a stream, not a late tail). */
  seqGaps: number;
  disconnects: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  rssSlopeMiBPerMin: number;
  heapSlopeMiBPerMin: number;
  rssAfterWarmupMiB: [number, number] | null;
  heapAfterWarmupMiB: [number, number] | null;
  loopP99MsMax: number;
  loopP99MsMedian: number;
  /** The lowest heap (what survives the collections) in the first and in the second half after the warm-up: flat lows, no leak, whatever the sawtooth. */
  heapLowsMiB: [number, number] | null;
}

function summarize(options: SoakOptions, result: LoadResult, samples: Sample[]): SoakSummary {
  const warm = samples.filter((s) => s.atS >= options.warmupS);
  const byMinute = (pick: (s: Sample) => number) => slope(warm.map((s) => [s.atS / 60, pick(s)]));
  const range = (pick: (s: Sample) => number): [number, number] | null => (warm.length > 0 ? [pick(warm[0]), pick(warm[warm.length - 1])] : null);
  const loops = samples.map((s) => s.loopP99Ms).sort((a, b) => a - b);
  const half = Math.floor(warm.length / 2);
  const low = (part: Sample[]) => Math.min(...part.map((s) => s.heapMiB));
  const { counts } = result;
  return {
    sockets: options.sockets,
    rate: options.rate,
    minutes: options.minutes,
    expected: counts.expected,
    delivered: counts.delivered,
    lost: counts.lost,
    duplicates: counts.duplicates + counts.seqRepeats,
    reordered: counts.outOfOrder,
    seqGaps: counts.seqGaps,
    disconnects: counts.disconnects,
    latencyP50Ms: result.latency.percentile(50),
    latencyP99Ms: result.latency.percentile(99),
    rssSlopeMiBPerMin: byMinute((s) => s.rssMiB),
    heapSlopeMiBPerMin: byMinute((s) => s.heapMiB),
    rssAfterWarmupMiB: range((s) => s.rssMiB),
    heapAfterWarmupMiB: range((s) => s.heapMiB),
    loopP99MsMax: loops[loops.length - 1] ?? 0,
    loopP99MsMedian: loops[Math.floor(loops.length / 2)] ?? 0,
    heapLowsMiB: half > 0 ? [low(warm.slice(0, half)), low(warm.slice(half))] : null,
  };
}

const sandbox = new Sandbox();

async function main(): Promise<void> {
  const options = parseSoakOptions(process.argv.slice(2));
  const requests = options.sockets / options.watchersPerRequest;
  const eventsPerRequest = Math.max(1, Math.round((options.rate * options.minutes * 60) / requests));
  const workDir = mkdtempSync(join(tmpdir(), 'agent-stream-soak-'));
  console.log(
    `soak: ${options.sockets} sockets (${requests} requests × ${options.watchersPerRequest}), ${options.rate} events/s for ${options.minutes} min ` +
      `(${eventsPerRequest} events per request), a sample every ${options.intervalS} s, trend after ${options.warmupS} s`,
  );
  console.log(
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ` +
      `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared: other work runs too)`,
  );
  await sandbox.create();
  const secret = randomBytes(24).toString('hex');
  const amqpUrl = sandbox.vhost('soak');
  const gateway = new ServerUnderTest(
    {
      kind: 'product',
      script: join(__dirname, '..', 'apps', 'gateway', 'src', 'main.js'),
      env: { AMQP_URL: amqpUrl, DATABASE_URL: sandbox.databaseUrl, LOG_LEVEL: 'warn', JWT_SECRET: secret, MAX_CONNECTIONS_PER_USER: String(options.sockets + 1000) },
      readyPath: '/health/ready',
      ingestQueues: [Queues.ingest],
      amqpUrl,
      token: signToken(secret, { sub: 'soak-user' }, 24 * 3600),
    },
    workDir,
    [],
  );
  await gateway.start();
  const setupStartedAt = wallNow();
  const sampler = new GatewaySampler(gateway.endpoint().url, options.intervalS, setupStartedAt);
  const load = runLoad(gateway, {
    requests,
    watchersPerRequest: options.watchersPerRequest,
    rate: options.rate,
    eventsPerRequest,
    steps: 20,
    watcherProcesses: Math.max(1, Math.ceil(options.sockets / 2500)),
    graceMs: options.graceS * 1000,
    // 10,000 handshakes (each reads a `state`) on a shared 2-core box took over 3 minutes.
    setupTimeoutMs: 15 * 60_000,
    onGo: () => sampler.begin(),
  });
  let result: LoadResult;
  try {
    result = await load;
  } finally {
    sampler.stop();
  }
  const summary = summarize(options, result, sampler.samples);
  console.log(`\nafter the warm-up (${options.warmupS} s): RSS ${fmt(summary.rssAfterWarmupMiB?.[0])} → ${fmt(summary.rssAfterWarmupMiB?.[1])} MiB (${fmt(summary.rssSlopeMiBPerMin, 2)} MiB/min), ` +
    `heap ${fmt(summary.heapAfterWarmupMiB?.[0])} → ${fmt(summary.heapAfterWarmupMiB?.[1])} MiB (${fmt(summary.heapSlopeMiBPerMin, 2)} MiB/min)`);
  if (summary.heapLowsMiB) console.log(`heap lows (after collections), first half → second half after the warm-up: ${fmt(summary.heapLowsMiB[0])} → ${fmt(summary.heapLowsMiB[1])} MiB`);
  console.log(`event-loop delay p99 per interval: median ${fmt(summary.loopP99MsMedian)} ms, worst ${fmt(summary.loopP99MsMax)} ms`);
  console.log(`deliveries: ${summary.delivered} of ${summary.expected}; lost (not there ${options.graceS} s after the last publish) ${summary.lost}, duplicated ${summary.duplicates}, reordered ${summary.reordered}, seq gaps ${summary.seqGaps}, disconnects ${summary.disconnects}; latency p50 ${fmt(summary.latencyP50Ms)} ms, p99 ${fmt(summary.latencyP99Ms)} ms`);
  console.log(`machine load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (1, 5, 15 min)`);
  console.log(`SOAK_SUMMARY ${JSON.stringify(summary)}`);
  await gateway.stop();
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the gateway and load processes, removing the vhost and database`);
    void stopAllChildren().then(() => sandbox.remove()).finally(() => process.exit(130));
  });
}

if (require.main === module) {
  void (async () => {
    let failed = false;
    try {
      await main();
    } catch (error) {
      failed = !(error instanceof UsageError && error.message === USAGE);
      if (error instanceof UsageError) (failed ? console.error : console.log)(error.message);
      else console.error(`soak failed: ${(error as Error).stack ?? error}`);
    } finally {
      if (!interrupted) {
        await stopAllChildren();
        await sandbox.remove();
      }
    }
    if (!interrupted) process.exit(failed ? 1 : 0);
  })();
}
