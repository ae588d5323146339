import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Builds the apps once into a temporary folder, so a test can run them as real processes. */
export function buildApps(): string {
  // Inside the project, so the build resolves the project's node_modules.
  const outDir = mkdtempSync(join(ROOT, '.test-build-'));
  const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
  return outDir;
}

export function removeBuild(outDir: string | undefined): void {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** An app running as its own OS process. `output` keeps its log lines (stdout and stderr). */
export interface AppProcess {
  child: ChildProcess;
  readonly output: string[];
  /** Resolves once the process has exited (SIGTERM first; pass SIGKILL to crash it). */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export interface SpawnOptions {
  /** Overrides on top of the test run's environment (AMQP_URL, DATABASE_URL, tuning knobs). */
  env?: Record<string, string>;
  /** Echo the process's output to the test's (default: only kept in `output`, unless TEST_ECHO_APP_OUTPUT is set; TEST_APP_LOG_LEVEL=debug for more than warnings). */
  echo?: boolean;
}

function spawnApp(outDir: string, main: string, options: SpawnOptions, extraEnv: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [join(outDir, main)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.TEST_APP_LOG_LEVEL ?? 'warn', ...extraEnv, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      output.push(...lines);
      if (options.echo ?? process.env.TEST_ECHO_APP_OUTPUT) lines.forEach((line) => process.stderr.write(`${line}\n`));
    });
  }
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { child, output, stop };
}

/** A gateway as its own OS process, against the run's vhost and database; resolves once it is ready. */
export async function spawnGateway(outDir: string, options: SpawnOptions = {}): Promise<AppProcess & { url: string }> {
  const port = await freePort();
  const app = spawnApp(outDir, 'apps/gateway/src/main.js', options, { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (app.child.exitCode !== null) throw new Error(`gateway process exited with ${app.child.exitCode}: ${app.output.slice(-5).join('\n')}`);
    const ready = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('gateway process did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { ...app, url };
}

/**
 * The demo agent worker as its own OS process; resolves once it consumes
 * (it logs at `info`, so tests can read which runs it took from `output`).
 */
export async function spawnAgentWorker(outDir: string, options: SpawnOptions = {}): Promise<AppProcess> {
  const app = spawnApp(outDir, 'apps/agents/src/main.js', options, { LOG_LEVEL: 'info' });
  const deadline = Date.now() + 20_000;
  while (!app.output.some((line) => line.includes('agents ready'))) {
    if (app.child.exitCode !== null) throw new Error(`agent worker exited with ${app.child.exitCode}: ${app.output.slice(-5).join('\n')}`);
    if (Date.now() > deadline) throw new Error('agent worker did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return app;
}
