import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import amqp, { type ConfirmChannel } from 'amqplib';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { Exchanges } from '@app/contracts';

/**
 * `npm run bench -- [--events N] [--requests R] [--rate N] [--seconds S] [--steps K]`
 *
 * The main path end to end: an agent publishes to `agent.events` → the
 * gateway records it in Postgres → a Socket.IO client receives it. Scenario 1
 * publishes as fast as confirms allow (throughput); scenario 2 paces the same
 * path at a modest rate (the latency a user feels). Runs against its own
 * vhost and database, removed at the end, so it never touches a product
 * instance on this machine. Gateway, clients and publisher share this process.
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const EVENTS = flag('events', 20_000);
const REQUESTS = flag('requests', 20);
const RATE = flag('rate', 1000);
const SECONDS = flag('seconds', 5);
/**
 * Distinct stepOrder values per request. The projection keeps one entry per
 * step and is rewritten with every batch, so its size is part of the cost:
 * a realistic handful by default; `--steps 1000` shows how it degrades.
 */
const STEPS = flag('steps', 10);
const CONFIRM_EVERY = 500;
/** Stop waiting for deliveries after this long with nothing new: a lost event must not hang the bench. */
const STALL_MS = 15_000;

const ADMIN_DB_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_BASE = 'amqp://guest:guest@127.0.0.1:5672';
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const database = `agent_stream_bench_${suffix}`;
const vhost = `agent-stream-bench-${suffix}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rabbitmqctl = (...argv: string[]) => execFileSync('rabbitmqctl', argv, { stdio: 'ignore' });

/** One scenario's requests: what was sent to each, and what the clients received, checked as it arrives. */
class Scenario {
  readonly requests: Map<string, { sent: number; seqs: number[] }>;
  /** One per progress event received: receive time − data.sentAt. */
  readonly latencies: number[] = [];
  lastAt = 0;
  private published = 0;

  constructor(readonly requestIds: string[]) {
    this.requests = new Map(requestIds.map((id) => [id, { sent: 0, seqs: [] }]));
  }

  get received(): number {
    return this.latencies.length;
  }

  /** The next event, round-robin over the requests, as an agent would publish it (routing key = type). */
  publishNext(channel: ConfirmChannel): void {
    const requestId = this.requestIds[this.published % this.requestIds.length];
    const k = this.requests.get(requestId)!.sent++;
    const type = 'executor.step.progress';
    const data = { stepOrder: (k % STEPS) + 1, status: 'running', sentAt: Date.now() }; // sentAt: the receiver measures latency
    const body = { type, requestId, agent: 'executor-agent', eventId: `e-${this.published++}`, data };
    channel.publish(Exchanges.agentEvents, type, Buffer.from(JSON.stringify(body)), { persistent: true });
  }

  take(event: string, message: any): void {
    if (typeof message?.seq === 'number') this.requests.get(message.requestId)?.seqs.push(message.seq);
    if (event !== 'progress' || typeof message?.data?.sentAt !== 'number') return;
    this.lastAt = Date.now();
    this.latencies.push(this.lastAt - message.data.sentAt);
  }

  /** Resolves once everything published arrived, or nothing new came for STALL_MS. */
  async drained(): Promise<void> {
    let [seen, since] = [-1, Date.now()];
    while (this.received < this.published && Date.now() - since < STALL_MS) {
      if (this.received !== seen) [seen, since] = [this.received, Date.now()];
      await sleep(5);
    }
  }

  /** 'OK', or what is wrong: a request's seqs must be exactly 1..n in arrival order (seq 1 is its `queued` status). */
  verdict(): string {
    const problems: string[] = [];
    for (const [id, { sent, seqs }] of this.requests) {
      const want = 1 + sent;
      const bad = seqs.findIndex((seq, i) => seq !== i + 1);
      if (bad >= 0) problems.push(`${id}: seq ${seqs[bad]} at position ${bad + 1} (gap, duplicate or out of order)`);
      else if (seqs.length !== want) problems.push(`${id}: got ${seqs.length} of ${want} seqs`);
    }
    return problems.length === 0 ? 'OK' : `PROBLEM in ${problems.length} requests: ${problems.slice(0, 5).join('; ')}`;
  }
}

function percentiles(values: number[]): string {
  if (values.length === 0) return 'no samples';
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return `p50 ${at(50)} ms, p90 ${at(90)} ms, p99 ${at(99)} ms, max ${sorted[sorted.length - 1]} ms`;
}

/** CPU seconds so far of this process, the broker and all Postgres processes: shows where the time goes. */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
type Cpu = { node: number; broker: number; postgres: number };
function cpuSeconds(): Cpu {
  const usage = process.cpuUsage();
  const total: Cpu = { node: (usage.user + usage.system) / 1e6, broker: 0, postgres: 0 };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const key = name === 'beam.smp' ? 'broker' : name === 'postgres' ? 'postgres' : undefined;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (key) total[key] += (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}
function cpuShare(before: Cpu, wallMs: number): string {
  const after = cpuSeconds();
  const pct = (key: keyof Cpu) => `${key} ${Math.round(((after[key] - before[key]) / (wallMs / 1000)) * 100)}%`;
  return `CPU (100% = one core of ${availableParallelism()}): ${pct('node')} (gateway + clients + publisher), ${pct('broker')}, ${pct('postgres')}`;
}

async function main(): Promise<void> {
  console.log(`bench: vhost '${vhost}', database '${database}' (removed at the end)`);
  // Set before any app code is loaded: the app reads its configuration when it boots.
  process.env.AMQP_URL = `${AMQP_BASE}/${encodeURIComponent(vhost)}`;
  process.env.DATABASE_URL = ADMIN_DB_URL.replace(/\/postgres$/, `/${database}`);
  process.env.LOG_LEVEL = 'warn';
  // Not the shared dev secret. Tokens are minted with loadConfig().jwtSecret, so they match whatever the gateway uses.
  process.env.JWT_SECRET = randomBytes(24).toString('hex');
  const { createGatewayApp } = await import('../apps/gateway/src/create-gateway-app');
  const { loadConfig } = await import('@app/config');
  const { signToken } = await import('@app/auth');

  const app = await createGatewayApp();
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const token = signToken(loadConfig().jwtSecret, { sub: 'bench-user' }, 3600);

  // A socket receives only the rooms it watches; ≤ 25 starts per socket stays inside the per-socket command rate.
  const scenarios = new Map<string, Scenario>();
  const clients: Socket[] = [];
  for (let i = 0; i < Math.ceil(REQUESTS / 25); i++) {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
    socket.onAny((event: string, message: any) => scenarios.get(message?.requestId)?.take(event, message));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    clients.push(socket);
  }
  /** Starts R fresh requests and waits for each one's `queued` (seq 1), so the timed part is only agent events. */
  const startScenario = async (): Promise<Scenario> => {
    const scenario = new Scenario(Array.from({ length: REQUESTS }, () => `bench-${randomUUID()}`));
    scenario.requestIds.forEach((id) => scenarios.set(id, scenario));
    await Promise.all(
      scenario.requestIds.map(async (requestId, i) => {
        const ack = await clients[i % clients.length].timeout(10_000).emitWithAck('start', { requestId, userQuery: 'bench' });
        if (!ack?.ok) throw new Error(`start ${requestId} failed: ${JSON.stringify(ack)}`);
      }),
    );
    const deadline = Date.now() + 10_000;
    while ([...scenario.requests.values()].some((r) => r.seqs.length === 0) && Date.now() < deadline) await sleep(5);
    return scenario;
  };

  // Agents played with plain amqplib, as one in another language would; noDelay like the agent kit (Nagle adds ~30 ms).
  const connection = await amqp.connect(process.env.AMQP_URL, { noDelay: true });
  connection.on('error', () => undefined); // a failed publish or confirm says what went wrong; unhandled, this would crash the clean-up
  const channel = await connection.createConfirmChannel();
  try {
    // Scenario 1: as fast as confirms allow. Latency here is mostly queueing behind the backlog.
    const burst = await startScenario();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    let cpu = cpuSeconds();
    loopDelay.enable();
    const t0 = Date.now();
    for (let n = 1; n <= EVENTS; n++) {
      burst.publishNext(channel);
      if (n % CONFIRM_EVERY === 0) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
    const publishedMs = Date.now() - t0;
    await burst.drained();
    const wallMs = burst.lastAt - t0;
    loopDelay.disable();
    console.log(`\n== scenario 1: ${EVENTS} events over ${REQUESTS} requests (${STEPS} steps each), as fast as confirms allow`);
    console.log(`published + confirmed in ${publishedMs} ms (${Math.round(EVENTS / (publishedMs / 1000))} ev/s into the broker)`);
    console.log(`received ${burst.received}/${EVENTS}; first publish → last receive ${wallMs} ms = ${Math.round(burst.received / (wallMs / 1000))} ev/s end to end`);
    console.log(`latency (receive − sentAt): ${percentiles(burst.latencies)}`);
    console.log(`${cpuShare(cpu, wallMs)}; event-loop delay p99 ${Math.round(loopDelay.percentile(99) / 1e6)} ms`);
    console.log(`seqs: ${burst.verdict()}`);

    // Scenario 2: paced. Each tick publishes what is due by now, so a slow tick catches up instead of drifting.
    const paced = await startScenario();
    const total = RATE * SECONDS;
    cpu = cpuSeconds();
    const p0 = Date.now();
    for (let n = 0; n < total; ) {
      const due = Math.min(total, Math.floor(((Date.now() - p0) / 1000) * RATE));
      for (; n < due; n++) paced.publishNext(channel);
      await channel.waitForConfirms();
      await sleep(2);
    }
    await paced.drained();
    console.log(`\n== scenario 2: ${RATE} events/s for ${SECONDS} s (${total} events) over ${REQUESTS} requests`);
    console.log(`received ${paced.received}/${total}; latency (receive − sentAt): ${percentiles(paced.latencies)}`);
    console.log(cpuShare(cpu, Date.now() - p0));
    console.log(`seqs: ${paced.verdict()}`);
  } finally {
    clients.forEach((socket) => socket.disconnect());
    await connection.close().catch(() => undefined);
    await app.close();
  }
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Removes the vhost and database whatever happened (once); each on its own, so one failure does not skip the other. */
let cleaning: Promise<void> | undefined;
const cleanUp = () => (cleaning ??= removeVhostAndDatabase());
async function removeVhostAndDatabase(): Promise<void> {
  try {
    rabbitmqctl('delete_vhost', vhost);
  } catch (error) {
    console.error(`could not delete vhost '${vhost}' (rabbitmqctl delete_vhost): ${(error as Error).message}`);
  }
  await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch((error: Error) =>
    console.error(`could not drop database '${database}': ${error.message}`),
  );
}

// Nest's shutdown hook would close the app and re-raise Ctrl-C, skipping our clean-up; a listener of ours keeps the process up until it is done.
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
  void cleanUp().finally(() => process.exit(130));
});

void (async () => {
  let failed = false;
  try {
    await adminQuery(`CREATE DATABASE "${database}"`);
    rabbitmqctl('add_vhost', vhost);
    rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    await main();
  } catch (error) {
    failed = true;
    if (!interrupted) console.error('bench failed:', error);
  } finally {
    await cleanUp();
  }
  // Exit explicitly: a handle a library leaves open must not keep a finished bench alive.
  process.exit(failed ? 1 : 0);
})();
