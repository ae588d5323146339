import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** Every process the bench started, so that an exit or Ctrl-C stops them all (by pid, never by name). */
const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A compiled bench script next to this folder (`dist/bench/...`). */
export const benchScript = (relative: string): string => join(__dirname, '..', relative);

/** Stops one child: SIGTERM, then SIGKILL if it is still there after `graceMs`. Resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export const stopAllChildren = (): Promise<void> => Promise.all([...children].map((child) => stopChild(child))).then(() => undefined);

/**
 * A server (gateway or relay) as its own process, output to `logFile`; it
 * stops by itself if the bench dies (IPC channel + server-preload).
 */
export function spawnServer(script: string, env: NodeJS.ProcessEnv, logFile: string, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--require', benchScript('common/server-preload.js'), script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  return track(child);
}

/** A load process talking to the orchestrator over IPC, messages tagged by `kind`. */
export class LoadProcess<In extends { kind: string }, Out extends { kind: string }> {
  private readonly child: ChildProcess;
  private readonly inbox: Out[] = [];
  private readonly waiting: Array<() => void> = [];
  private exited: string | undefined;

  constructor(
    readonly name: string,
    script: string,
  ) {
    this.child = track(fork(benchScript(script), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    this.child.on('message', (message) => {
      this.inbox.push(message as Out);
      this.waiting.splice(0).forEach((wake) => wake());
    });
    this.child.once('exit', (code, signal) => {
      this.exited = `${name} exited (${signal ?? code}) before answering`;
      this.waiting.splice(0).forEach((wake) => wake());
    });
  }

  send(message: In): void {
    this.child.send(message);
  }

  /** The next message of this kind; an `error` message from the child, its exit or the timeout rejects. */
  async next<K extends Out['kind']>(kind: K, timeoutMs: number): Promise<Extract<Out, { kind: K }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.inbox.findIndex((m) => m.kind === kind || m.kind === 'error');
      if (at >= 0) {
        const [message] = this.inbox.splice(at, 1);
        if (message.kind === 'error') throw new Error(`${this.name}: ${(message as unknown as { message: string }).message}`);
        return message as Extract<Out, { kind: K }>;
      }
      if (this.exited) throw new Error(this.exited);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no '${kind}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): Promise<void> {
    return stopChild(this.child, 2000);
  }
}
