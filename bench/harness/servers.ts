import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import amqp from 'amqplib';
import { sleep, spawnServer, stopChild, CpuMeter, cpuSecondsOf, rssBytesOf } from '../common';
import type { TargetEndpoint } from '../load';

export type ServerKind = TargetEndpoint['kind'];

export interface ServerSpec {
  kind: ServerKind;
  /** For its log file and messages when several of one kind run (a gateway cluster); default: the kind. */
  name?: string;
  /** Compiled entry point, run with `node`. */
  script: string;
  env: Record<string, string>;
  /** Answers 200 once the server takes events and connections. */
  readyPath: string;
  /** Where its events wait on the broker (every ingest shard): purged between runs. */
  ingestQueues: string[];
  amqpUrl: string;
  token?: string;
}

const READY_TIMEOUT_MS = 60_000;
/** Between runs: the server's CPU must fall below this (% of a core) … */
const CALM_PERCENT = 10;
/** … for one window of this length, waiting at most SETTLE_MAX_MS. */
const CALM_WINDOW_MS = 300;
const SETTLE_MAX_MS = 20_000;

/**
 * A server under test (the product gateway or the raw relay) as a child
 * process on a free port of 127.0.0.1, started from its compiled script with
 * the same kind of environment, in `workDir` (so that a stray `.env` in the
 * checkout does not tune one of them).
 */
export class ServerUnderTest {
  private child: ChildProcess | undefined;
  private port = 0;

  constructor(
    readonly spec: ServerSpec,
    private readonly workDir: string,
    private readonly nodeArgs: string[],
  ) {}

  get kind(): ServerKind {
    return this.spec.kind;
  }

  get name(): string {
    return this.spec.name ?? this.spec.kind;
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  get logFile(): string {
    return join(this.workDir, `${this.name}.log`);
  }

  endpoint(): TargetEndpoint {
    return { kind: this.kind, url: `http://127.0.0.1:${this.port}`, amqpUrl: this.spec.amqpUrl, token: this.spec.token };
  }

  cpuMeter(): CpuMeter {
    const pid = this.pid;
    return new CpuMeter(() => cpuSecondsOf(pid));
  }

  rssBytes(): number {
    return rssBytesOf(this.pid);
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const child = spawnServer(this.spec.script, { ...this.spec.env, PORT: String(this.port), NODE_ENV: 'production' }, this.logFile, this.nodeArgs);
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.child === child) console.error(`${this.name} exited (${signal ?? code}); its output: ${this.logFile}`);
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await this.isReady())) {
      if (child.exitCode !== null) throw new Error(`${this.name} did not start:\n${this.logTail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready within ${READY_TIMEOUT_MS} ms:\n${this.logTail()}`);
      await sleep(200);
    }
    console.log(`  (${this.name} started, pid ${child.pid}, on ${this.endpoint().url})`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await stopChild(child, 10_000);
  }

  /** A fresh process: for memory figures that must not inherit another scenario's heap. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Between runs: drops the events still waiting on its queue (an
   * overloaded run must not spill into the next), then waits for the
   * server to go quiet.
   */
  async settle(): Promise<void> {
    for (const queue of this.spec.ingestQueues) await purgeQueue(this.spec.amqpUrl, queue);
    const deadline = Date.now() + SETTLE_MAX_MS;
    for (;;) {
      const cpu = this.cpuMeter();
      await sleep(CALM_WINDOW_MS);
      if (cpu.percent() < CALM_PERCENT || Date.now() > deadline) return;
    }
  }

  private async isReady(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.port}${this.spec.readyPath}`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no output)';
    }
  }
}

async function purgeQueue(amqpUrl: string, queue: string): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined); // a queue that does not exist yet: nothing to purge
    await channel.purgeQueue(queue).catch(() => undefined);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
