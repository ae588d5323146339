import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/gateway-process';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/**
 * A RabbitMQ node of this test's own (name, ports, data and logs in a temp
 * folder, only the plugins asked for), so restarting it never touches the shared broker the
 * other runs use. Runs as the `rabbitmq` user, whose Erlang cookie the CLI shares.
 */
export class PrivateRabbitMq {
  private constructor(
    readonly node: string,
    readonly port: number,
    private readonly distPort: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  static async start(plugins: string[] = []): Promise<PrivateRabbitMq> {
    const dir = mkdtempSync(join(tmpdir(), 'faults-rabbitmq-'));
    chmodSync(dir, 0o777);
    // Empty config: no listener from /etc/rabbitmq. No management plugin (no listener on 15672) unless asked for.
    for (const file of ['rabbitmq.conf', 'rabbitmq-env.conf']) writeFileSync(join(dir, file), '', { mode: 0o644 });
    writeFileSync(join(dir, 'enabled_plugins'), plugins.length > 0 ? `[${plugins.join(',')}].\n` : '', { mode: 0o644 });
    const broker = new PrivateRabbitMq(`faults-${randomBytes(4).toString('hex')}@localhost`, await freePort(), await freePort(), dir);
    await broker.boot();
    return broker;
  }

  /** Stops the node's process (the broker goes away: connections drop, clients reconnect). */
  stop(): void {
    this.ctl('stop');
  }

  /** Starts the node again on the same data: durable queues and persistent messages are back. */
  async boot(): Promise<void> {
    execFileSync('runuser', ['-u', 'rabbitmq', '--', 'env', ...this.env(), SERVER, '-detached'], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(this.port))) {
      if (Date.now() > deadline) throw new Error(`private RabbitMQ ${this.node} did not open port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Stops the node and deletes its data. */
  remove(): void {
    try {
      this.ctl('stop');
    } catch {
      /* already stopped */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  ctl(...args: string[]): string {
    return execFileSync('rabbitmqctl', ['-q', '-n', this.node, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  }

  private env(): string[] {
    const vars = {
      HOME: '/var/lib/rabbitmq',
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_CONF_ENV_FILE: join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_PID_FILE: join(this.dir, 'pid'),
    };
    return Object.entries(vars).map(([key, value]) => `${key}=${value}`);
  }
}
