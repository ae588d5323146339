import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP hop between a client and a gateway, to fake a network that fails
 * without a word: `cut()` stops carrying bytes both ways on every open
 * connection but closes nothing (no FIN, no RST, no WebSocket close frame),
 * and refuses new connections until `restore()`.
 */
export class TcpProxy {
  private readonly pairs: Array<[Socket, Socket]> = [];
  private down = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async to(target: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(target);
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (proxy?.down) return void client.destroy();
      const upstream = connect(Number(port), hostname);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = () => (client.destroy(), upstream.destroy());
      client.on('error', drop);
      upstream.on('error', drop);
      proxy?.pairs.push([client, upstream]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    proxy = new TcpProxy(server, `http://127.0.0.1:${address.port}`);
    return proxy;
  }

  cut(): void {
    this.down = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    for (const [client, upstream] of this.pairs.splice(0)) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
