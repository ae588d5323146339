import { exitWithParent } from '../common';

/**
 * The load process's end of the IPC channel to the orchestrator: the
 * process is written as a straight script (`await link.next('go')`), and any
 * failure is reported as `{ kind: 'error' }` before the process exits.
 */
export class OrchestratorLink<In extends { kind: string }, Out extends { kind: string }> {
  private readonly inbox: In[] = [];
  private wake: (() => void) | undefined;

  constructor() {
    if (!process.send) throw new Error('a load process is started by bench/run.ts (it needs the IPC channel)');
    exitWithParent(true);
    process.on('message', (message) => {
      this.inbox.push(message as In);
      this.wake?.();
    });
  }

  send(message: Out | { kind: 'error'; message: string }): void {
    process.send!(message);
  }

  async next<K extends In['kind']>(kind: K): Promise<Extract<In, { kind: K }>> {
    for (;;) {
      const at = this.inbox.findIndex((m) => m.kind === kind);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as Extract<In, { kind: K }>;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Runs the script, reports its failure, and exits either way once the last message is out. */
  run(script: () => Promise<void>): void {
    script().then(
      () => process.send!({ kind: 'exit' }, () => process.exit(0)),
      (error: Error) => process.send!({ kind: 'error', message: error.stack ?? error.message }, () => process.exit(1)),
    );
  }
}
