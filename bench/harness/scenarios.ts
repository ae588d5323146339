import { LatencyHistogram } from '../common';
import type { DeliveryCounts } from '../load';
import { measureConnectionMemory } from './connection-memory';
import { measureKitCoalescing } from './kit-coalescing';
import { runLoad, sumCounts, type GeneratorLoad, type LoadResult, type LoadSpec } from './load-run';
import type { Options } from './options';
import type { ServerKind, ServerUnderTest } from './servers';

/** Sizes of every scenario; `--quick` shrinks windows, repetitions, connections and request lengths. */
export interface Params {
  reps: number;
  /** Seconds of publishing in (a), (c), (f). */
  windowS: number;
  rampWindowS: number;
  rampRates: number[];
  connections: number;
  connectionProcesses: number;
  longRequests: number;
  longEvents: number;
  longRate: number;
  graceMs: number;
  probeRequests: number;
  watcherProcesses: number;
  /** Seconds of token sources in (g)'s agent-kit measurement. */
  kitSeconds: number;
}

export const FULL: Params = {
  reps: 2,
  windowS: 20,
  rampWindowS: 10,
  rampRates: [2000, 5000, 8000, 10_000, 20_000],
  connections: 10_000,
  connectionProcesses: 4,
  longRequests: 100,
  longEvents: 3000,
  longRate: 4000,
  graceMs: 5000,
  probeRequests: 5,
  watcherProcesses: 2,
  kitSeconds: 10,
};

export const QUICK: Params = {
  ...FULL,
  reps: 1,
  windowS: 4,
  rampWindowS: 3,
  rampRates: [2000, 5000, 8000, 10_000],
  connections: 2000,
  connectionProcesses: 2,
  longEvents: 300,
  graceMs: 3000,
  probeRequests: 3,
  kitSeconds: 3,
};

/** What one server's run of a scenario gave. */
export interface Measurement {
  figures: Record<string, number | undefined>;
  counts?: DeliveryCounts;
  generators: GeneratorLoad[];
  /** One line printed as soon as the run ends. */
  summary: string;
}

export interface Row {
  figure: string;
  label: string;
  unit: string;
  /** The issue's target for this row, judged on each repetition (undefined: no figure to judge). */
  target?: { text: string; met: (relay: number | undefined, product: number | undefined) => boolean | undefined };
}

export interface Scenario {
  key: string;
  title: string;
  servers: ServerKind[];
  rows: Row[];
  measure(server: ServerUnderTest, params: Params, options: Options): Promise<Measurement>;
}

const ratioAtMost = (limit: number) => ({
  text: `product ≤ ${limit}× relay`,
  met: (relay?: number, product?: number) => (relay === undefined || product === undefined ? undefined : product <= limit * relay),
});
const latencyRows = (target?: Row['target']): Row[] => [
  { figure: 'p50', label: 'p50', unit: 'ms' },
  { figure: 'p90', label: 'p90', unit: 'ms' },
  { figure: 'p99', label: 'p99', unit: 'ms', target },
  { figure: 'max', label: 'max', unit: 'ms' },
  { figure: 'cpu', label: 'server CPU', unit: '% core' },
];

const MS_IN_RAMP_LIMIT = 100;
/** (g): concurrent streams, each a watcher's request, and the deltas each streams per second. */
const STREAMS = 200;
const DELTAS_PER_S = 25;
/** (g): an LLM's pace, per stream, fed to the agent kit. */
const KIT_TOKENS_PER_S = 100;

export const SCENARIOS: Scenario[] = [
  {
    key: 'a',
    title: '100 requests × 10 watchers, 1,000 events/s',
    servers: ['relay', 'product'],
    rows: latencyRows(ratioAtMost(3)),
    measure: async (server, params, options) =>
      fromLoad(await runLoad(server, scenarioALoad(params, options))),
  },
  {
    key: 'b',
    title: `ramp, 100 requests × 1 watcher: highest rate with zero loss and p99 < ${MS_IN_RAMP_LIMIT} ms`,
    servers: ['relay', 'product'],
    rows: [
      {
        figure: 'highest',
        label: 'highest ok rate',
        unit: 'ev/s',
        target: { text: 'product ≥ 0.8× relay', met: (relay, product) => (relay ? (product ?? 0) >= 0.8 * relay : undefined) },
      },
      { figure: 'delivered', label: 'most delivered/s', unit: 'ev/s' },
    ],
    measure: ramp,
  },
  {
    key: 'c',
    title: '10 requests × 100 watchers, 200 events/s',
    servers: ['relay', 'product'],
    rows: latencyRows(ratioAtMost(3)),
    measure: async (server, params, options) =>
      fromLoad(await runLoad(server, paced(params, options, { requests: 10, watchersPerRequest: 100, rate: 200, seconds: params.windowS }))),
  },
  {
    key: 'd',
    title: 'connections each watching its own request: server RSS per 1,000',
    servers: ['relay', 'product'],
    rows: [{ figure: 'rss', label: 'RSS per 1,000 connections', unit: 'MiB', target: ratioAtMost(1.25) }],
    measure: async (server, params) => {
      const m = await measureConnectionMemory(server, params.connections, params.connectionProcesses);
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
      return {
        figures: { rss: m.mibPerThousand },
        counts: m.counts,
        generators: [],
        summary: `${m.connections} connections in ${(m.connectMs / 1000).toFixed(1)} s; RSS ${mib(m.rssBeforeBytes)} → ${mib(m.rssAfterBytes)} MiB = ${m.mibPerThousand.toFixed(1)} MiB per 1,000`,
      };
    },
  },
  {
    key: 'e',
    title: 'long requests, every event a new step: p99 of the last 10 % of each request’s events vs the first 10 %',
    servers: ['relay', 'product'],
    rows: [
      { figure: 'early', label: 'early p99 (first 10 %)', unit: 'ms' },
      { figure: 'late', label: 'late p99 (last 10 %)', unit: 'ms' },
      {
        figure: 'growth',
        label: 'late p99 / early p99',
        unit: '×',
        target: { text: 'product ≤ 1.2 (own ratio)', met: (_relay, product) => (product === undefined ? undefined : product <= 1.2) },
      },
    ],
    measure: async (server, params, options) => {
      const rate = options.longRate ?? params.longRate;
      const spec: LoadSpec = {
        requests: params.longRequests,
        watchersPerRequest: 1,
        rate,
        eventsPerRequest: params.longEvents,
        steps: 0,
        watcherProcesses: params.watcherProcesses,
        graceMs: params.graceMs,
        earlyLate: true,
      };
      const result = await runLoad(server, spec);
      const [early, late] = [result.early.percentile(99), result.late.percentile(99)];
      const growth = early !== undefined && late !== undefined ? late / early : undefined;
      const base = fromLoad(result, { early, late, growth });
      return { ...base, summary: `${params.longRequests} × ${params.longEvents} events at ${rate}/s; early p99 ${fmt(early)} ms, late p99 ${fmt(late)} ms; ${base.summary}` };
    },
  },
  {
    key: 'f',
    title: 'rejoin of a request with 1,000 missed events while (a) runs: rejoin emit → complete state',
    servers: ['product'],
    rows: [
      { figure: 'rejoin50', label: 'rejoin p50', unit: 'ms' },
      {
        figure: 'rejoin99',
        label: 'rejoin p99',
        unit: 'ms',
        target: { text: 'product ≤ 50 ms', met: (_relay, product) => (product === undefined ? undefined : product <= 50) },
      },
      { figure: 'wrong', label: 'rejoins incomplete or failed', unit: 'count' },
      { figure: 'p99', label: '(a) load p99 meanwhile', unit: 'ms' },
    ],
    measure: async (server, params, options) => {
      const result = await runLoad(server, { ...scenarioALoad(params, options), probe: { requests: params.probeRequests, missed: 1000, pauseMs: 100 } });
      const probe = result.probe!;
      const rejoin = new LatencyHistogram().merge(probe.rejoin);
      const figures = { rejoin50: rejoin.percentile(50), rejoin99: rejoin.percentile(99), wrong: probe.incomplete + probe.failures };
      const base = fromLoad(result, figures);
      const probeLine = `${rejoin.count} rejoins: p50 ${fmt(figures.rejoin50)} p99 ${fmt(figures.rejoin99)} max ${fmt(rejoin.max)} ms, ${probe.incomplete} incomplete, ${probe.failures} failed`;
      return { ...base, summary: `${probeLine}; load: ${base.summary}` };
    },
  },
  {
    key: 'g',
    title: `streamed output: ${STREAMS} streams (or --streams N) × ${DELTAS_PER_S} deltas/s × 1 watcher (publish → watcher); the agent kit's coalescing at ${KIT_TOKENS_PER_S} tokens/s per stream`,
    servers: ['relay', 'product'],
    rows: [
      ...latencyRows(ratioAtMost(3)),
      { figure: 'lost', label: 'deltas lost', unit: 'count', target: { text: 'zero loss', met: (_relay, product) => (product === undefined ? undefined : product === 0) } },
      { figure: 'kitTokens', label: 'kit: tokens/s in', unit: 'tok/s' },
      { figure: 'kitEvents', label: 'kit: output events/s published', unit: 'ev/s' },
    ],
    measure: async (server, params, options) => {
      const streams = options.streams ?? STREAMS;
      const result = await runLoad(server, {
        ...paced(params, options, { requests: streams, watchersPerRequest: 1, rate: streams * DELTAS_PER_S, seconds: params.windowS }),
        events: 'output',
      });
      const base = fromLoad(result, { lost: result.counts.lost });
      if (server.kind !== 'product') return { ...base, summary: `${streams} streams; ${base.summary}` };
      // The kit's side needs no server: measured once, beside the product's run.
      const kit = await measureKitCoalescing(server.endpoint().amqpUrl, streams, KIT_TOKENS_PER_S, params.kitSeconds);
      const kitLine = `kit: ${kit.streams} streams, ${Math.round(kit.tokensPerSecond)} tokens/s → ${Math.round(kit.eventsPerSecond)} output events/s (${(kit.tokensPerSecond / kit.eventsPerSecond).toFixed(1)} tokens per event), kit process CPU ${kit.cpuPercent.toFixed(0)}%`;
      return { ...base, figures: { ...base.figures, kitTokens: kit.tokensPerSecond, kitEvents: kit.eventsPerSecond }, summary: `${streams} streams; ${base.summary}; ${kitLine}` };
    },
  },
];

/** (b): rates in turn until one fails (loss, or p99 over the limit); the highest that passed. */
async function ramp(server: ServerUnderTest, params: Params, options: Options): Promise<Measurement> {
  let highest = 0;
  let delivered = 0;
  const parts: Measurement[] = [];
  for (const rate of params.rampRates) {
    if (parts.length > 0) await server.settle();
    const result = await runLoad(server, paced(params, options, { requests: 100, watchersPerRequest: 1, rate, seconds: params.rampWindowS }));
    const part = fromLoad(result);
    parts.push({ ...part, summary: `${rate}/s: ${part.summary}` });
    console.log(`      ${rate}/s: ${part.summary}`);
    delivered = Math.max(delivered, result.deliveredPerSecond);
    const p99 = result.latency.percentile(99);
    if (result.counts.lost > 0 || p99 === undefined || p99 >= MS_IN_RAMP_LIMIT) break;
    highest = rate;
  }
  return {
    figures: { highest, delivered },
    counts: sumCounts(parts.map((p) => p.counts!)),
    generators: parts.flatMap((p) => p.generators),
    summary: `highest ok rate ${highest}/s; most delivered ${Math.round(delivered)}/s`,
  };
}

const scenarioALoad = (params: Params, options: Options) => paced(params, options, { requests: 100, watchersPerRequest: 10, rate: 1000, seconds: params.windowS });

function paced(params: Params, options: Options, load: { requests: number; watchersPerRequest: number; rate: number; seconds: number }): LoadSpec {
  return {
    requests: load.requests,
    watchersPerRequest: load.watchersPerRequest,
    rate: load.rate,
    eventsPerRequest: Math.round((load.rate * load.seconds) / load.requests),
    steps: options.steps,
    watcherProcesses: params.watcherProcesses,
    graceMs: params.graceMs,
  };
}

function latencyFigures(histogram: LatencyHistogram) {
  return { p50: histogram.percentile(50), p90: histogram.percentile(90), p99: histogram.percentile(99), max: histogram.lost ? Infinity : histogram.count ? histogram.max : undefined };
}

function fromLoad(result: LoadResult, extra: Record<string, number | undefined> = {}): Measurement {
  const figures: Record<string, number | undefined> = { ...latencyFigures(result.latency), cpu: result.serverCpu, ...extra };
  const c = result.counts;
  const generators = result.generators.map((g) => `${g.role} ${g.cpuPercent.toFixed(0)}%`).join(', ');
  const lag = result.publish.maxBehindMs > 50 ? `, publisher lagged up to ${result.publish.maxBehindMs.toFixed(0)} ms` : '';
  const summary =
    `p50 ${fmt(figures.p50)} p90 ${fmt(figures.p90)} p99 ${fmt(figures.p99)} max ${fmt(figures.max)} ms; ` +
    `delivered ${c.delivered}/${c.expected} (${Math.round(result.deliveredPerSecond)}/s); ` +
    `server CPU ${result.serverCpu.toFixed(0)}%, RSS max ${(result.serverRssMaxBytes / 2 ** 20).toFixed(0)} MiB ` +
    `(box-wide: broker ${result.brokerCpu.toFixed(0)}%, postgres ${result.postgresCpu.toFixed(0)}%); ` +
    `lost ${c.lost} dup ${c.duplicates} order ${c.outOfOrder} seq gaps ${c.seqGaps} repeats ${c.seqRepeats} foreign ${c.foreign} disconnects ${c.disconnects}` +
    `${result.publish.nacked ? `, ${result.publish.nacked} nacked by the broker` : ''}; generators: ${generators}${lag}`;
  return { figures, counts: c, generators: result.generators, summary };
}

/** A latency or ratio for people: 2 decimals below 10, 1 below 100, none above. */
export function fmt(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (value === Infinity) return '∞ (lost)';
  if (Number.isInteger(value)) return String(value);
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}
