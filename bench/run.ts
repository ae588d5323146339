import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Queues } from '@app/contracts';
import { ingestShardQueue } from '@app/messaging';
import { signToken } from '@app/auth';
import { wallNow, benchScript, stopAllChildren } from './common';
import {
  FULL,
  OptionsError,
  parseOptions,
  QUICK,
  renderTable,
  runCluster,
  Sandbox,
  SCENARIOS,
  ServerUnderTest,
  USAGE,
  type Measurement,
  type Options,
  type Params,
  type RunRecord,
  type Scenario,
} from './harness';

/**
 * `npm run bench -- [--quick] [--only a,e] [--steps K] [--profile]`
 *
 * The side-by-side benchmark of issue 5: the product gateway and the raw
 * relay (bench/raw-relay.ts), each its own process, driven only through
 * their public surfaces (agent events on RabbitMQ, Socket.IO) by load
 * processes of their own, alternating within every repetition. Creates its
 * own vhosts and database and removes them at the end; talks to 127.0.0.1
 * only; every loop is bounded. See BENCHMARKS.md.
 */
const sandbox = new Sandbox();
let interrupted = false;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), SCENARIOS.map((s) => s.key));
  const params = options.quick ? QUICK : FULL;
  const scenarios = SCENARIOS.filter((s) => options.only.size === 0 || options.only.has(s.key));
  const workDir = mkdtempSync(join(tmpdir(), 'agent-stream-bench-'));
  const nodeArgs = options.profile ? ['--cpu-prof', '--cpu-prof-dir', join(workDir, 'profiles')] : [];
  if (options.profile) mkdirSync(join(workDir, 'profiles'));
  const what = options.gateways > 1 ? `cluster of ${options.gateways} gateways, ${options.shards} shards` : `scenarios ${scenarios.map((s) => s.key).join(',')}, ${params.reps} repetition(s)`;
  console.log(`bench ${options.quick ? '--quick' : '(full)'}: ${what}`);
  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
  console.log(`database '${sandbox.database}', two vhosts (removed at the end); server output and profiles in ${workDir}`);

  await sandbox.create();
  const secret = randomBytes(24).toString('hex');
  const relayAmqp = sandbox.vhost('relay');
  const productAmqp = sandbox.vhost('product');
  const relay = new ServerUnderTest(
    { kind: 'relay', script: benchScript('raw-relay.js'), env: { AMQP_URL: relayAmqp }, readyPath: '/ready', ingestQueues: ['bench.raw-relay'], amqpUrl: relayAmqp },
    workDir,
    nodeArgs,
  );
  /** A product gateway on `amqpUrl` with `shards` ingest shards (all gateways of one vhost share them). */
  const gateway = (name: string, amqpUrl: string, shards: number) =>
    new ServerUnderTest(
      {
        kind: 'product',
        name,
        script: join(__dirname, '..', 'apps', 'gateway', 'src', 'main.js'),
        env: {
          AMQP_URL: amqpUrl,
          DATABASE_URL: sandbox.databaseUrl,
          LOG_LEVEL: 'warn',
          JWT_SECRET: secret,
          // All bench sockets are one user's; (d) alone holds 10,000 (docs/protocol.md §5 caps sockets per user, default 100).
          MAX_CONNECTIONS_PER_USER: '20000',
          INGEST_SHARDS: String(shards),
        },
        readyPath: '/health/ready',
        ingestQueues: [Queues.ingest, ...(shards > 1 ? Array.from({ length: shards }, (_, i) => ingestShardQueue(i, shards)) : [])],
        amqpUrl,
        token: signToken(secret, { sub: 'bench-user' }, 6 * 3600),
      },
      workDir,
      nodeArgs,
    );
  if (options.gateways > 1) {
    const gateways = (label: string, count: number, shards: number) => {
      const amqpUrl = sandbox.vhost(label);
      return Array.from({ length: count }, (_, i) => gateway(`${label}-gateway-${i + 1}`, amqpUrl, shards));
    };
    console.log(`\n${await runCluster({ relay, gateways }, params, options)}`);
    console.log(`\nthe box is shared: figures are noisy (see BENCHMARKS.md)`);
    return;
  }
  const servers = { relay, product: gateway('product', productAmqp, options.shards) };
  await Promise.all([servers.relay.start(), servers.product.start()]);

  const records: RunRecord[] = [];
  const startedAt = wallNow();
  for (const scenario of scenarios) {
    console.log(`\n== (${scenario.key}) ${scenario.title}`);
    for (let rep = 1; rep <= params.reps; rep++) {
      // relay first in odd repetitions, product first in even ones: drift on the shared box hits both alike.
      const order = rep % 2 === 1 ? (['relay', 'product'] as const) : (['product', 'relay'] as const);
      for (const kind of order.filter((k) => scenario.servers.includes(k))) {
        if (interrupted) return;
        await servers[kind].settle();
        const measurement = await measureOrReport(scenario, servers[kind], params, options);
        records.push({ scenario, rep, server: kind, measurement });
        console.log(`  rep ${rep} ${kind.padEnd(7)}: ${measurement.summary}`);
      }
    }
  }
  console.log(`\n${renderTable(records, params.reps)}`);
  console.log(`\nmeasured in ${((wallNow() - startedAt) / 1000).toFixed(0)} s; the box is shared: figures are noisy (see BENCHMARKS.md)`);
  await Promise.all([servers.relay.stop(), servers.product.stop()]); // graceful, so that --profile writes its files
}

/** A failed run is reported in its row and the bench goes on with a fresh server process: one broken scenario must not void the rest. */
async function measureOrReport(scenario: Scenario, server: ServerUnderTest, params: Params, options: Options): Promise<Measurement> {
  try {
    return await scenario.measure(server, params, options);
  } catch (error) {
    if (interrupted) throw error;
    await server.restart();
    return { figures: {}, generators: [], summary: `FAILED: ${(error as Error).message.split('\n')[0]}` };
  }
}

async function cleanUp(): Promise<void> {
  await stopAllChildren();
  await sandbox.remove();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the servers and load processes, removing the vhosts and database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

void (async () => {
  let failed = false;
  try {
    await main();
  } catch (error) {
    failed = true;
    if (error instanceof OptionsError && error.message === USAGE) failed = false; // --help
    if (error instanceof OptionsError) (failed ? console.error : console.log)(error.message);
    else if (!interrupted) console.error(`bench failed: ${(error as Error).stack ?? error}`);
  } finally {
    if (!interrupted) await cleanUp();
  }
  // A handle a library leaves open must not keep a finished bench alive.
  if (!interrupted) process.exit(failed ? 1 : 0);
})();
