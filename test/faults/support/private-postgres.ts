import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/gateway-process';

const BIN = (() => {
  const versions = execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort((a, b) => Number(b) - Number(a));
  return (tool: string) => `/usr/lib/postgresql/${versions[0]}/bin/${tool}`;
})();

/**
 * A Postgres cluster of this test's own (temp data folder, its own port and
 * socket folder), so stopping it never touches the shared database. Run as
 * `postgres`: initdb refuses root.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'faults-postgres-'));
    chownSync(dir, uid('postgres'), uid('postgres', 'g'));
    const pg = new PrivatePostgres(await freePort(), dir);
    pg.asPostgres(BIN('initdb'), '-D', pg.data, '-A', 'trust', '-U', 'postgres', '--no-sync');
    pg.boot();
    return pg;
  }

  /** Fast shutdown: open connections are cut, as in a database crash or failover. */
  stop(): void {
    this.asPostgres(BIN('pg_ctl'), '-D', this.data, '-m', 'fast', '-w', 'stop');
  }

  boot(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.asPostgres(BIN('pg_ctl'), '-D', this.data, '-o', options, '-l', join(this.dir, 'log'), '-w', 'start');
  }

  remove(): void {
    try {
      this.stop();
    } catch {
      /* already stopped */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private asPostgres(...command: string[]): void {
    const asRoot = process.getuid?.() === 0;
    const [file, args] = asRoot ? ['runuser', ['-u', 'postgres', '--', ...command]] : [command[0], command.slice(1)];
    execFileSync(file, args as string[], { stdio: 'ignore' });
  }
}

function uid(user: string, kind: 'u' | 'g' = 'u'): number {
  return Number(execFileSync('id', [`-${kind}`, user], { encoding: 'utf8' }).trim());
}
