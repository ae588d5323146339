import { sleep } from '../common';
import { runLoad, type LoadResult, type LoadSpec } from './load-run';
import type { Options } from './options';
import { fmt, type Params } from './scenarios';
import type { ServerUnderTest } from './servers';

/**
 * Requests of the cluster run: a multiple of 2, 3, 4, 5 and 6, so that every gateway watches as
 * many; enough that the hash spreads them evenly over the shards (with 6 shards, one gateway's
 * share of 300 requests varies by about ±8 % from run to run, of 120 by ±13 %).
 */
const REQUESTS = 300;
const WATCHERS_PER_REQUEST = 2;
/** A rate passes with zero loss and p99 under this (as scenario (b)). */
const P99_LIMIT_MS = 100;
const RATES = { quick: [2000, 4000], full: [2000, 4000, 6000, 8000, 10_000] };
/** Each gateway's recorded share must be within this of an even share (issue 13, item 4). */
const SHARE_TOLERANCE = 0.2;
/** Fan-out events a gateway receives per event its watchers needed from the others. */
const FANOUT_LIMIT = 1.2;

/** A gateway's counters (summed over labels), as /metrics gives them. */
interface GatewayCounters {
  recorded: number;
  fanoutReceived: number;
  fanoutWatched: number;
  fanoutPublished: number;
  fanoutMessagesReceived: number;
  shardsHeld: number;
}

export interface ClusterSetup {
  relay: ServerUnderTest;
  /** `count` gateway processes on a vhost of their own, INGEST_SHARDS = shards (not started). */
  gateways(label: string, count: number, shards: number): ServerUnderTest[];
}

interface ConfigResult {
  label: string;
  highest: number;
  /** `ok`: no loss, p99 under the limit. Fan-out is judged only then: an overloaded run's backlog reaches gateways whose watchers have left. */
  runs: Array<{ rate: number; result: LoadResult; perGateway: GatewayCounters[]; ok: boolean }>;
}

/**
 * `npm run bench -- --gateways N --shards S`: the same load (REQUESTS
 * requests × WATCHERS_PER_REQUEST watchers, their watchers spread evenly over
 * the gateways, stepped rates until one loses events or passes p99 100 ms)
 * on the raw relay, on one gateway and on N gateways sharing S ingest shards.
 * Per gateway: its share of the recorded events, fan-out events received
 * against those its watchers needed, shards held; for the run: broker
 * messages per recorded event and the highest rate held against one gateway.
 */
export async function runCluster(setup: ClusterSetup, params: Params, options: Options): Promise<string> {
  const rates = options.quick ? RATES.quick : RATES.full;
  const seconds = params.rampWindowS;
  const spec = (rate: number): LoadSpec => ({
    requests: REQUESTS,
    watchersPerRequest: WATCHERS_PER_REQUEST,
    rate,
    eventsPerRequest: Math.round((rate * seconds) / REQUESTS),
    steps: options.steps,
    watcherProcesses: params.watcherProcesses,
    graceMs: params.graceMs,
  });
  console.log(`cluster run: ${REQUESTS} requests × ${WATCHERS_PER_REQUEST} watchers, ${seconds} s per rate, rates ${rates.join(', ')}/s`);
  const results: ConfigResult[] = [];
  results.push(await measureConfig('relay', [setup.relay], rates, spec));
  results.push(await measureConfig(`1 gateway, ${options.shards} shards`, setup.gateways('one', 1, options.shards), rates, spec, options.shards));
  results.push(await measureConfig(`${options.gateways} gateways, ${options.shards} shards`, setup.gateways('cluster', options.gateways, options.shards), rates, spec, options.shards));
  return renderCluster(results, options);
}

async function measureConfig(label: string, servers: ServerUnderTest[], rates: number[], spec: (rate: number) => LoadSpec, shards?: number): Promise<ConfigResult> {
  console.log(`\n== ${label}`);
  const config: ConfigResult = { label, highest: 0, runs: [] };
  try {
    for (const server of servers) await server.start();
    const product = shards !== undefined;
    if (product) await untilShardsSettled(servers, shards);
    for (const rate of rates) {
      for (const server of servers) await server.settle();
      const before = product ? await Promise.all(servers.map(scrape)) : [];
      const result = await runLoad(servers, spec(rate));
      // Shares are the hash's, not how far each gateway got: let an overloaded run's backlog drain first.
      const after = product ? await untilRecorded(servers, before, result.publish.published) : [];
      const perGateway = after.map((a, i) => difference(a, before[i]));
      const p99 = result.latency.percentile(99);
      const ok = result.counts.lost === 0 && p99 !== undefined && p99 < P99_LIMIT_MS;
      config.runs.push({ rate, result, perGateway, ok });
      console.log(`  ${rate}/s: ${runLine(result)}${product ? `\n${gatewayLines(perGateway).join('\n')}` : ''}`);
      if (!ok) break;
      config.highest = rate;
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  return config;
}

/** Every shard held, and spread within one: the rebalance has settled. */
async function untilShardsSettled(servers: ServerUnderTest[], shards: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const held = (await Promise.all(servers.map(scrape))).map((c) => c.shardsHeld);
    if (held.reduce((a, b) => a + b, 0) === shards && Math.max(...held) - Math.min(...held) <= 1) return;
    if (Date.now() > deadline) throw new Error(`shards did not settle: held ${held.join('/')} of ${shards}`);
    await sleep(200);
  }
}

/** The counters once the gateways recorded every published event (at most 60 s after the run). */
async function untilRecorded(servers: ServerUnderTest[], before: GatewayCounters[], published: number): Promise<GatewayCounters[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const now = await Promise.all(servers.map(scrape));
    const recorded = now.reduce((sum, c, i) => sum + c.recorded - before[i].recorded, 0);
    if (recorded >= published || Date.now() > deadline) return now;
    await sleep(500);
  }
}

async function scrape(server: ServerUnderTest): Promise<GatewayCounters> {
  const text = await (await fetch(`${server.endpoint().url}/metrics`)).text();
  const sum = (name: string, label?: string) =>
    text
      .split('\n')
      .filter((line) => (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) && (!label || line.includes(label)))
      .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  return {
    recorded: sum('agent_stream_events_recorded_total'),
    fanoutReceived: sum('agent_stream_fanout_events_received_total'),
    fanoutWatched: sum('agent_stream_fanout_events_watched_total'),
    fanoutPublished: sum('agent_stream_fanout_messages_total', 'direction="published"'),
    fanoutMessagesReceived: sum('agent_stream_fanout_messages_total', 'direction="received"'),
    shardsHeld: sum('agent_stream_ingest_shards_held'),
  };
}

function difference(after: GatewayCounters, before: GatewayCounters): GatewayCounters {
  return {
    recorded: after.recorded - before.recorded,
    fanoutReceived: after.fanoutReceived - before.fanoutReceived,
    fanoutWatched: after.fanoutWatched - before.fanoutWatched,
    fanoutPublished: after.fanoutPublished - before.fanoutPublished,
    fanoutMessagesReceived: after.fanoutMessagesReceived - before.fanoutMessagesReceived,
    shardsHeld: after.shardsHeld,
  };
}

const runLine = (r: LoadResult) =>
  `p50 ${fmt(r.latency.percentile(50))} p99 ${fmt(r.latency.percentile(99))} ms; delivered ${r.counts.delivered}/${r.counts.expected} (${Math.round(r.deliveredPerSecond)}/s); ` +
  `lost ${r.counts.lost} dup ${r.counts.duplicates} order ${r.counts.outOfOrder} seq gaps ${r.counts.seqGaps} repeats ${r.counts.seqRepeats}; ` +
  `servers CPU ${r.serverCpu.toFixed(0)}% (box-wide: broker ${r.brokerCpu.toFixed(0)}%, postgres ${r.postgresCpu.toFixed(0)}%)`;

function gatewayLines(perGateway: GatewayCounters[]): string[] {
  const total = perGateway.reduce((sum, g) => sum + g.recorded, 0);
  return perGateway.map((g, i) => {
    const share = total > 0 ? g.recorded / total : 0;
    return (
      `    gateway ${i + 1}: ${g.shardsHeld} shards, recorded ${g.recorded} (${(share * 100).toFixed(1)} %), ` +
      `fan-out received ${g.fanoutReceived} events for ${g.fanoutWatched} its watchers needed (${fmt(fanoutRatio(g))}×), ` +
      `${g.fanoutPublished} fan-out messages published, ${g.fanoutMessagesReceived} received`
    );
  });
}

const fanoutRatio = (g: GatewayCounters) => (g.fanoutWatched > 0 ? g.fanoutReceived / g.fanoutWatched : g.fanoutReceived > 0 ? Infinity : 1);

/**
 * Broker messages per recorded event: each event in (publish) and out
 * (ingest delivery), plus every fan-out message published and delivered.
 */
function brokerMessagesPerEvent(run: ConfigResult['runs'][number]): number {
  const recorded = run.perGateway.reduce((sum, g) => sum + g.recorded, 0);
  const fanout = run.perGateway.reduce((sum, g) => sum + g.fanoutPublished + g.fanoutMessagesReceived, 0);
  return recorded > 0 ? (2 * recorded + fanout) / recorded : NaN;
}

function renderCluster(results: ConfigResult[], options: Options): string {
  const [relay, one, cluster] = results;
  const lines = ['| figure | relay | 1 gateway | cluster | target |', '| --- | --- | --- | --- | --- |'];
  lines.push(`| highest ok rate [ev/s] | ${relay.highest} | ${one.highest} | ${cluster.highest} | cluster vs 1 gateway: ${fmt(one.highest ? cluster.highest / one.highest : NaN)}× (counts, not a promise, on a shared 2-core box) |`);
  const firstRun = (c: ConfigResult) => c.runs[0];
  const p99 = (c: ConfigResult) => fmt(firstRun(c)?.result.latency.percentile(99));
  lines.push(`| p99 at ${firstRun(cluster)?.rate ?? '–'}/s [ms] | ${p99(relay)} | ${p99(one)} | ${p99(cluster)} | |`);
  for (const [label, c] of [['1 gateway', one], ['cluster', cluster]] as const) {
    const runs = c.runs;
    lines.push(`| broker messages per recorded event (${label}) | | ${label === '1 gateway' ? runs.map((r) => fmt(brokerMessagesPerEvent(r))).join(' / ') : ''} | ${label === 'cluster' ? runs.map((r) => fmt(brokerMessagesPerEvent(r))).join(' / ') : ''} | per rate |`);
  }
  const checks = (c: ConfigResult) => {
    const sum = (key: 'lost' | 'duplicates' | 'outOfOrder' | 'seqGaps' | 'seqRepeats') => c.runs.reduce((total, r) => total + r.result.counts[key], 0);
    return `${sum('lost')}/${sum('duplicates')}/${sum('outOfOrder')}/${sum('seqGaps') + sum('seqRepeats')}`;
  };
  lines.push(`| checks lost/dup/order/seq (all rates) | ${checks(relay)} | ${checks(one)} | ${checks(cluster)} | 0 (above the highest ok rate, loss is what stopped the ramp) |`);
  const perGateway: string[] = ['', `per gateway of the cluster (${options.gateways} gateways, ${options.shards} shards), at each rate:`, '| rate | gateway | shards | recorded share | fan-out received / needed | targets |', '| --- | --- | --- | --- | --- | --- |'];
  for (const run of cluster.runs) {
    const total = run.perGateway.reduce((sum, g) => sum + g.recorded, 0);
    const even = 1 / run.perGateway.length;
    run.perGateway.forEach((g, i) => {
      const share = total > 0 ? g.recorded / total : 0;
      const shareOk = Math.abs(share - even) <= SHARE_TOLERANCE * even;
      const fanout = run.ok ? (fanoutRatio(g) <= FANOUT_LIMIT ? 'met' : '**missed**') : 'not judged (rate not held: backlog after the watchers left)';
      perGateway.push(
        `| ${run.rate}/s | ${i + 1} | ${g.shardsHeld} | ${(share * 100).toFixed(1)} % | ${g.fanoutReceived} / ${g.fanoutWatched} = ${fmt(fanoutRatio(g))}× | ` +
          `share within ±20 % of ${(even * 100).toFixed(1)} %: ${shareOk ? 'met' : '**missed**'}; fan-out ≤ ${FANOUT_LIMIT}×: ${fanout} |`,
      );
    });
  }
  return [...lines, ...perGateway].join('\n');
}
