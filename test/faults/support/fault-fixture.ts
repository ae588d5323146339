import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { demoContext, newRequestId, newUser } from '../../support/gateway-harness';
import { figuresOf } from './fault-report';
import { RecoveringClient } from './recovering-client';
import { spawnAgentWorker, spawnGateway, type AppProcess, type SpawnOptions } from '../../support/gateway-process';

/**
 * The processes of one fault test file: spawned from the suite's build,
 * every one stopped in afterAll, whatever the tests killed or left running.
 */
export function faultProcesses(defaults: () => SpawnOptions = () => ({})) {
  const started: AppProcess[] = [];
  const build = () => {
    const dir = process.env.TEST_BUILD_DIR;
    if (!dir) throw new Error('TEST_BUILD_DIR is not set: run the fault tests through `npm run test:faults`');
    return dir;
  };
  const merge = (options: SpawnOptions): SpawnOptions => ({ ...defaults(), ...options, env: { ...defaults().env, ...options.env } });
  afterAll(async () => {
    RecoveringClient.closeAll();
    await Promise.all(started.splice(0).map((app) => app.stop('SIGKILL')));
  });
  return {
    async gateway(options: SpawnOptions = {}) {
      const app = await spawnGateway(build(), merge(options));
      started.push(app);
      return app;
    },
    async worker(options: SpawnOptions = {}) {
      const app = await spawnAgentWorker(build(), merge(options));
      started.push(app);
      return app;
    },
  };
}

/**
 * A vhost of the run's shared broker for one test file: the file knows
 * every consumer on it (which gateway holds the ingest queue, for one). Not a
 * restart: the shared broker is never stopped.
 */
export function ownVhost(): { readonly amqpUrl: string; readonly name: string } {
  const vhost = { amqpUrl: '', name: `agent-stream-faults-${randomBytes(4).toString('hex')}` };
  const ctl = (...args: string[]) => execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore' });
  beforeAll(() => {
    ctl('add_vhost', vhost.name);
    ctl('set_permissions', '-p', vhost.name, 'guest', '.*', '.*', '.*');
    const base = new URL(process.env.AMQP_URL as string);
    base.pathname = `/${encodeURIComponent(vhost.name)}`;
    vhost.amqpUrl = base.toString();
  });
  afterAll(() => ctl('delete_vhost', vhost.name));
  return vhost;
}

export async function waitForReadiness(url: string, ready: boolean, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const ok = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ok === ready) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`${url}/health/ready did not become ${ready ? 'ready' : 'unready'} within ${timeoutMs} ms`);
}

/** Resident memory of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

/** Lines of a process's output that mention a request and contain a phrase. */
export function linesAbout(app: AppProcess, requestId: string, phrase: string): string[] {
  return app.output.filter((line) => line.includes(requestId) && line.includes(phrase));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When a process logged a line (pino's `time`, epoch ms) about a request with a phrase; undefined if it did not. */
export function loggedAt(app: AppProcess, requestId: string, phrase: string): number | undefined {
  const line = linesAbout(app, requestId, phrase)[0];
  if (!line) return undefined;
  try {
    return (JSON.parse(line) as { time?: number }).time;
  } catch {
    return undefined;
  }
}

/** Waits until one of the processes logged a line about a request with a phrase (logs trail what clients see). */
export async function waitForLine(apps: AppProcess[], requestId: string, phrase: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!apps.some((app) => linesAbout(app, requestId, phrase).length > 0)) {
    if (Date.now() > deadline) throw new Error(`no process logged '${phrase}' for ${requestId} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Steps reported completed, as a client saw them. */
export const completedSteps = (client: RecoveringClient) => client.messages.filter((m) => m.type === 'progress' && m.status === 'completed').length;

/**
 * A fresh user's recovering client that starts a demo run and returns once
 * `afterSteps` steps completed: the fault then strikes mid-run.
 */
export async function startMidRun(urls: string[], label: string, demo: Record<string, number>, afterSteps = 3): Promise<RecoveringClient> {
  const client = await RecoveringClient.connect(urls, newUser(), newRequestId(label));
  expect(await client.start(label, demoContext(demo))).toMatchObject({ ok: true });
  await client.until(() => completedSteps(client) >= afterSteps, 20_000, `${afterSteps} completed steps`);
  return client;
}

/** A private broker or database for one test file: started before its tests, stopped and deleted after them. */
export function privateService<T extends { remove(): void }>(start: () => Promise<T>): { readonly it: T } {
  const holder: { it?: T } = {};
  beforeAll(async () => {
    holder.it = await start();
  }, 90_000);
  afterAll(() => holder.it?.remove());
  return holder as { readonly it: T };
}

/**
 * Called as a restarted dependency is back: how long the gateway took to be
 * ready and the client's stream to move again, then the run's figures once
 * it completed.
 */
export async function recoveryAfterRestart(client: RecoveringClient, gatewayUrl: string) {
  const backAt = Date.now();
  const readyAfterMs = await waitForReadiness(gatewayUrl, true);
  const seqAtReturn = client.lastSeq;
  // Either the stream moves on after readiness, or it already has: a run that ended during the outage can be
  // recorded and delivered to its end, backlog and all, before readiness is seen (one batch on the first statement).
  await client.until(() => client.lastSeq > seqAtReturn || client.completions().length > 0, 30_000, 'the stream to resume');
  const streamResumedAfterMs = Date.now() - backAt;
  await client.waitForCompletion(60_000);
  return { backAt, readyAfterMs, streamResumedAfterMs, figures: await figuresOf(client, gatewayUrl) };
}
