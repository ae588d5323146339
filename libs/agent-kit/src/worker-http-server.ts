import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AppConfig } from '@app/config';
import { BrokerPublisher } from '@app/messaging';
import { WorkerMetrics } from './worker-metrics';

/**
 * `/health/live`, `/health/ready` (the broker is connected) and `/metrics` of
 * an agent worker, on `AGENT_HTTP_PORT` when it is set (PROTOCOL §5). A plain
 * `node:http` server: a worker is a Nest application context, not an HTTP app.
 * Bodies have the gateway's (terminus) shape, so one probe config fits both.
 */
@Injectable()
export class WorkerHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHttp');
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly broker: BrokerPublisher,
    private readonly metrics: WorkerMetrics,
  ) {}

  /** The port it listens on (useful with AGENT_HTTP_PORT=0), or undefined when off. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.AGENT_HTTP_PORT;
    if (port === undefined) return;
    const server = createServer((request, response) => void this.answer(request.method ?? 'GET', (request.url ?? '/').split('?')[0], response));
    // A busy port must stop start-up naming the setting, not leave a worker nobody can probe.
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new Error(`AGENT_HTTP_PORT=${port}: ${error.message}`)));
      server.listen(port, () => resolve());
    });
    this.server = server;
    this.logger.log(`worker health and metrics on http://localhost:${this.port} (/health/live, /health/ready, /metrics)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private async answer(method: string, path: string, response: ServerResponse): Promise<void> {
    const known = method === 'GET' || method === 'HEAD';
    if (known && path === '/health/live') return send(response, 200, 'application/json', { status: 'ok', info: {}, error: {}, details: {} });
    if (known && path === '/health/ready') {
      const broker = this.broker.connected ? { status: 'up' } : { status: 'down', message: 'not connected' };
      const up = broker.status === 'up';
      return send(response, up ? 200 : 503, 'application/json', { status: up ? 'ok' : 'error', info: up ? { broker } : {}, error: up ? {} : { broker }, details: { broker } });
    }
    if (known && path === '/metrics') return send(response, 200, Registry.PROMETHEUS_CONTENT_TYPE, await this.metrics.registry.metrics());
    return send(response, 404, 'application/json', { code: 'NOT_FOUND', message: `no route ${method} ${path}; this port serves /health/live, /health/ready and /metrics` });
  }
}

function send(response: ServerResponse, status: number, type: string, body: unknown): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}
