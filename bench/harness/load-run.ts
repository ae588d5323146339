import { sleep, LoadProcess, LatencyHistogram, NamedCpuMeter } from '../common';
import type {
  DeliveryCounts,
  TargetEndpoint,
  FromProber,
  FromPublisher,
  FromWatchers,
  ProbeReport,
  PublishReport,
  ToProber,
  ToPublisher,
  ToWatchers,
  WatchReport,
} from '../load';
import type { ServerUnderTest } from './servers';

export interface LoadSpec {
  requests: number;
  watchersPerRequest: number;
  /** Events per second over all requests. */
  rate: number;
  /** Measured events per request (a warm-up second's worth comes before them). */
  eventsPerRequest: number;
  /** Distinct steps per request; 0 = every event a new step. */
  steps: number;
  watcherProcesses: number;
  /** How long after the last publish a missing event still counts as late rather than lost. */
  graceMs: number;
  earlyLate?: boolean;
  /** What each event is: a step's progress (default), or a delta of a streaming step's output (g). */
  events?: 'progress' | 'output';
  /** Scenario (f): rejoins timed while this load runs (product only). */
  probe?: { requests: number; missed: number; pauseMs: number };
  /** How long creating the requests and connecting the watchers may take (default 3 minutes). */
  setupTimeoutMs?: number;
  /** Called as the events start to flow (the soak starts its sampler then). */
  onGo?: () => Promise<void> | void;
}

/** A generator process's own CPU over the run: at ~90 % of a core it, not the server, may be what limits the figures. */
export interface GeneratorLoad {
  role: string;
  cpuPercent: number;
}

export interface LoadResult {
  latency: LatencyHistogram;
  early: LatencyHistogram;
  late: LatencyHistogram;
  counts: DeliveryCounts;
  publish: PublishReport;
  /** The server process, % of one core, from the first publish until the watchers finished. */
  serverCpu: number;
  serverRssMaxBytes: number;
  /** Box-wide (other users' work included): where the rest of the time went. */
  brokerCpu: number;
  postgresCpu: number;
  deliveredPerSecond: number;
  generators: GeneratorLoad[];
  probe?: ProbeReport;
}

type Watchers = LoadProcess<ToWatchers, FromWatchers>;
type Publisher = LoadProcess<ToPublisher, FromPublisher>;
type Prober = LoadProcess<ToProber, FromProber>;

/** Setting up thousands of connections or requests may take this long. */
const SETUP_TIMEOUT_MS = 180_000;
/**
 * Every run starts with this much publishing that is checked but not timed
 * (JIT, TCP windows, pools): each request's first events are the warm-up,
 * so that scenario (e)'s "first 10 %" means the first 10 % of a warm run.
 */
const WARMUP_S = 1;
/**
 * One publisher process takes at most this many events per second (~20 % of a
 * core per 2,000/s measured here with confirms): faster plans are split over
 * several, each with its own requests, so that the generator does not cap
 * the ramp. Each request still has one publisher, so its order holds.
 */
const RATE_PER_PUBLISHER = 5000;
let runs = 0;

/** Request ids unique to this run (and to this bench). */
export function requestIds(count: number, label: string): string[] {
  const tag = `bench-${process.pid}-${++runs}-${label}`;
  return Array.from({ length: count }, (_, i) => `${tag}-${i}`);
}

/** The processes of a gateway cluster as one server: CPU and RSS summed. */
class ServerGroup implements MeteredServer {
  constructor(private readonly servers: ServerUnderTest[]) {}

  cpuMeter(): { percent(): number } {
    const meters = this.servers.map((s) => s.cpuMeter());
    return { percent: () => meters.reduce((sum, m) => sum + m.percent(), 0) };
  }

  rssBytes(): number {
    return this.servers.reduce((sum, s) => sum + s.rssBytes(), 0);
  }
}

/** Ids and per-request event counts of one run. */
interface RunPlan {
  ids: string[];
  /** Per request, warm-up included. */
  eventsPerRequest: number;
  warmupEvents: number;
}

/** The load processes of one run, stopped together whatever happens. */
class LoadProcesses {
  private readonly all: Array<Watchers | Publisher | Prober> = [];

  add<T extends Watchers | Publisher | Prober>(process: T): T {
    this.all.push(process);
    return process;
  }

  stop(): Promise<void> {
    return Promise.all(this.all.map((p) => p.stop())).then(() => undefined);
  }
}

/**
 * One measured run against one server, or a cluster of gateways on one
 * vhost: watchers connected (requests created first for the product), then
 * the publishers pace the plan, the watchers check every delivery and stop
 * when all arrived or `graceMs` after the last publish; server CPU and RSS
 * are read from /proc meanwhile (summed over a cluster's processes). In a
 * cluster each gateway gets an even slice of the requests, created and
 * watched through it: its own watchers, as behind a load balancer.
 */
export async function runLoad(servers: ServerUnderTest | ServerUnderTest[], spec: LoadSpec): Promise<LoadResult> {
  const group = Array.isArray(servers) ? servers : [servers];
  const server = group.length === 1 ? group[0] : new ServerGroup(group);
  const target = group[0].endpoint();
  const ids = requestIds(spec.requests, 'load');
  const eventsPerRequest = Math.max(1, Math.round((spec.rate * WARMUP_S) / spec.requests)) + spec.eventsPerRequest;
  const plan: RunPlan = { ids, eventsPerRequest, warmupEvents: eventsPerRequest - spec.eventsPerRequest };
  const processes = new LoadProcesses();
  try {
    const prober = spec.probe && target.kind === 'product' ? await startProber(processes, target, spec.probe, spec.steps) : undefined;
    // One server: `watcherProcesses` processes; a cluster: one per gateway, watching through it.
    const slices = group.length === 1 ? splitEvenly(ids, spec.watcherProcesses).map((part) => ({ part, target })) : splitEvenly(ids, group.length).map((part, i) => ({ part, target: group[i].endpoint() }));
    const watchers = slices.map(({ part, target }, i) => {
      const watcher = processes.add<Watchers>(new LoadProcess(`watchers#${i + 1}`, 'load/watchers.js'));
      const watch = { target, requestIds: part, watchersPerRequest: spec.watchersPerRequest, eventsPerRequest, warmupEvents: plan.warmupEvents };
      watcher.send({ kind: 'plan', plan: { ...watch, createRequests: target.kind === 'product', earlyLate: spec.earlyLate ?? false } });
      return watcher;
    });
    const publishers = splitEvenly(ids, Math.ceil(spec.rate / RATE_PER_PUBLISHER)).map((part, i) => {
      const publisher = processes.add<Publisher>(new LoadProcess(`publisher#${i + 1}`, 'load/publisher.js'));
      const rate = (spec.rate * part.length) / ids.length;
      publisher.send({ kind: 'plan', plan: { amqpUrl: target.amqpUrl, requestIds: part, eventsPerRequest, rate, steps: spec.steps, events: spec.events } });
      return publisher;
    });
    const setupTimeoutMs = spec.setupTimeoutMs ?? SETUP_TIMEOUT_MS;
    await Promise.all(watchers.map((w) => w.next('created', setupTimeoutMs)));
    watchers.forEach((w) => w.send({ kind: 'connect' }));
    await Promise.all([...watchers.map((w) => w.next('ready', setupTimeoutMs)), ...publishers.map((p) => p.next('ready', setupTimeoutMs))]);
    return await measureWindow(server, spec, plan, { watchers, publishers, prober });
  } finally {
    await processes.stop();
  }
}

/** (f): the prober creates its requests, a filler publisher gives each `missed` events, the prober sees them all live. */
async function startProber(processes: LoadProcesses, target: TargetEndpoint, probe: NonNullable<LoadSpec['probe']>, steps: number): Promise<Prober> {
  const prober = processes.add<Prober>(new LoadProcess('prober', 'load/rejoin-prober.js'));
  const probeIds = requestIds(probe.requests, 'probe');
  prober.send({ kind: 'plan', plan: { target, requestIds: probeIds, missed: probe.missed, pauseMs: probe.pauseMs } });
  await prober.next('created', SETUP_TIMEOUT_MS);
  const filler = processes.add<Publisher>(new LoadProcess('filler', 'load/publisher.js'));
  await publishOnce(filler, { amqpUrl: target.amqpUrl, requestIds: probeIds, eventsPerRequest: probe.missed, rate: 2000, steps });
  await prober.next('filled', SETUP_TIMEOUT_MS);
  return prober;
}

/** Everyone goes; after the warm-up second the meters start; ends when the watchers are done. */
/** What a measured window reads of the server (or of a cluster's processes together). */
interface MeteredServer {
  cpuMeter(): { percent(): number };
  rssBytes(): number;
}

async function measureWindow(
  server: MeteredServer,
  spec: LoadSpec,
  plan: RunPlan,
  load: { watchers: Watchers[]; publishers: Publisher[]; prober?: Prober },
): Promise<LoadResult> {
  const { watchers, publishers, prober } = load;
  watchers.forEach((w) => w.send({ kind: 'go' }));
  publishers.forEach((p) => p.send({ kind: 'go' }));
  prober?.send({ kind: 'go' });
  await spec.onGo?.();
  await sleep(WARMUP_S * 1000);
  const meters = { server: server.cpuMeter(), broker: new NamedCpuMeter('beam.smp'), postgres: new NamedCpuMeter('postgres') };
  let serverRssMaxBytes = server.rssBytes();
  const rssSampler = setInterval(() => (serverRssMaxBytes = Math.max(serverRssMaxBytes, server.rssBytes())), 250);
  try {
    const plannedMs = ((plan.ids.length * plan.eventsPerRequest) / spec.rate) * 1000;
    const published = await Promise.all(publishers.map((p) => p.next('done', plannedMs * 3 + 60_000).then((m) => m.report)));
    const deadline = mergePublishReports(published).endedAt + spec.graceMs;
    watchers.forEach((w) => w.send({ kind: 'finish', deadline }));
    const reports = await Promise.all(watchers.map((w) => w.next('done', spec.graceMs + 60_000).then((m) => m.report)));
    prober?.send({ kind: 'stop' });
    const probe = prober ? (await prober.next('done', 60_000)).report : undefined;
    return summarize(reports, published, probe, {
      serverCpu: meters.server.percent(),
      brokerCpu: meters.broker.percent(),
      postgresCpu: meters.postgres.percent(),
      serverRssMaxBytes,
    });
  } finally {
    clearInterval(rssSampler);
  }
}

async function publishOnce(publisher: Publisher, plan: Extract<ToPublisher, { kind: 'plan' }>['plan']): Promise<PublishReport> {
  publisher.send({ kind: 'plan', plan });
  await publisher.next('ready', SETUP_TIMEOUT_MS);
  publisher.send({ kind: 'go' });
  return (await publisher.next('done', SETUP_TIMEOUT_MS)).report;
}

/** The publishers together: first start, last end, worst lag. */
function mergePublishReports(reports: PublishReport[]): PublishReport {
  return {
    published: reports.reduce((sum, r) => sum + r.published, 0),
    nacked: reports.reduce((sum, r) => sum + r.nacked, 0),
    startedAt: Math.min(...reports.map((r) => r.startedAt)),
    endedAt: Math.max(...reports.map((r) => r.endedAt)),
    maxBehindMs: Math.max(...reports.map((r) => r.maxBehindMs)),
    cpuPercent: Math.max(...reports.map((r) => r.cpuPercent)),
  };
}

function summarize(
  reports: WatchReport[],
  published: PublishReport[],
  probe: ProbeReport | undefined,
  server: Pick<LoadResult, 'serverCpu' | 'brokerCpu' | 'postgresCpu' | 'serverRssMaxBytes'>,
): LoadResult {
  const counts = sumCounts(reports.map((r) => r.counts));
  const lastDeliveryAt = Math.max(...reports.map((r) => r.lastDeliveryAt));
  const publish = mergePublishReports(published);
  const generators: GeneratorLoad[] = [
    ...published.map((r, i) => ({ role: `publisher#${i + 1}`, cpuPercent: r.cpuPercent })),
    ...reports.map((r, i) => ({ role: `watchers#${i + 1}`, cpuPercent: r.cpuPercent })),
    ...(probe ? [{ role: 'prober', cpuPercent: probe.cpuPercent }] : []),
  ];
  return {
    latency: LatencyHistogram.merged(reports.map((r) => r.latency)),
    early: LatencyHistogram.merged(reports.flatMap((r) => (r.early ? [r.early] : []))),
    late: LatencyHistogram.merged(reports.flatMap((r) => (r.late ? [r.late] : []))),
    counts,
    publish,
    ...server,
    deliveredPerSecond: lastDeliveryAt > publish.startedAt ? counts.delivered / ((lastDeliveryAt - publish.startedAt) / 1000) : 0,
    generators,
    probe,
  };
}

export function sumCounts(all: DeliveryCounts[]): DeliveryCounts {
  const total: DeliveryCounts = { expected: 0, delivered: 0, lost: 0, duplicates: 0, outOfOrder: 0, seqGaps: 0, seqRepeats: 0, foreign: 0, disconnects: 0 };
  for (const counts of all) for (const key of Object.keys(total) as Array<keyof DeliveryCounts>) total[key] += counts[key];
  return total;
}

/** `parts` slices as even as possible (no empty ones). */
export function splitEvenly<T>(items: T[], parts: number): T[][] {
  const count = Math.max(1, Math.min(parts, items.length));
  return Array.from({ length: count }, (_, i) => items.slice(Math.floor((i * items.length) / count), Math.floor(((i + 1) * items.length) / count)));
}
