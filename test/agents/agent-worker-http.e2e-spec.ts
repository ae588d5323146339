import { execFileSync } from 'node:child_process';
import type { INestApplication } from '@nestjs/common';
import { closeAll, connectAs, demoContext, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import { buildApps, freePort, removeBuild, spawnAgentWorker, type AppProcess } from '../support/gateway-process';
import { eventually } from '../support/admin-http';
import { metricSample } from '../support/metrics-text';

/** An agent worker process's own HTTP port (PROTOCOL §5 AGENT_HTTP_PORT): health and metrics. */
describe('agent worker health and metrics on AGENT_HTTP_PORT', () => {
  let outDir: string;
  let gateway: INestApplication;
  let url: string;
  let worker: AppProcess;
  let workerUrl: string;

  beforeAll(async () => {
    outDir = buildApps();
    ({ app: gateway, url } = await startGateway());
    const port = await freePort();
    workerUrl = `http://127.0.0.1:${port}`;
    worker = await spawnAgentWorker(outDir, { env: { AGENT_HTTP_PORT: String(port) } });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await closeAll(gateway);
    removeBuild(outDir);
  });

  const metrics = async () => (await fetch(`${workerUrl}/metrics`)).text();

  it('answers /health/live and /health/ready (broker connected), and 404 elsewhere', async () => {
    const live = await fetch(`${workerUrl}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${workerUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { broker: { status: 'up' } } });
    const unknown = await fetch(`${workerUrl}/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(worker.output.some((line) => line.includes(`worker health and metrics on http://localhost:${new URL(workerUrl).port}`))).toBe(true);
  });

  it('/metrics counts runs in progress and runs finished by status, with no request ids', async () => {
    const text = await metrics();
    for (const [name, kind] of [
      ['agent_stream_agent_runs_in_progress', 'gauge'],
      ['agent_stream_agent_runs_finished_total', 'counter'],
      ['agent_stream_agent_broker_reconnects_total', 'counter'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${kind}`);
    }
    expect(text).toContain('# TYPE process_cpu_seconds_total');

    const owner = newUser('worker-metrics');
    const client = await connectAs(url, owner);
    const done = newRequestId('done');
    await client.ack('start', { requestId: done, userQuery: 'finish', context: demoContext({ steps: 1 }) });
    await client.waitFor('request.completed', (m) => m.requestId === done);
    const slow = newRequestId('slow');
    await client.ack('start', { requestId: slow, userQuery: 'cancel me', context: demoContext({ steps: 5, stepDelayMs: 2000 }) });
    await client.waitFor('progress', (m) => m.requestId === slow);
    expect(metricSample(await eventually(metrics, (t) => metricSample(t, 'agent_stream_agent_runs_in_progress') === 1, 5000), 'agent_stream_agent_runs_in_progress')).toBe(1);
    await client.ack('cancel', { requestId: slow });
    await client.waitFor('request.completed', (m) => m.requestId === slow);

    const after = await eventually(metrics, (t) => metricSample(t, 'agent_stream_agent_runs_finished_total', { status: 'cancelled' }) === 1, 5000);
    expect(metricSample(after, 'agent_stream_agent_runs_in_progress')).toBe(0);
    expect(metricSample(after, 'agent_stream_agent_runs_finished_total', { status: 'completed' })).toBe(1);
    expect(metricSample(after, 'agent_stream_agent_runs_finished_total', { status: 'cancelled' })).toBe(1);
    expect(after).not.toContain(done);
    expect(after).not.toContain(owner);
    client.close();
  }, 60_000);

  it('counts broker reconnects, and is not ready while the broker is away', async () => {
    expect(metricSample(await metrics(), 'agent_stream_agent_broker_reconnects_total')).toBe(0);
    // Every connection of this run's private vhost: the worker's (and the in-process gateway's, which reconnects too).
    execFileSync('rabbitmqctl', ['close_all_connections', '--vhost', process.env.TEST_VHOST!, 'test: broker blip'], { stdio: 'ignore' });
    const after = await eventually(metrics, (t) => metricSample(t, 'agent_stream_agent_broker_reconnects_total') >= 1, 15_000);
    expect(metricSample(after, 'agent_stream_agent_broker_reconnects_total')).toBe(1);
    expect((await fetch(`${workerUrl}/health/ready`)).status).toBe(200);
  }, 30_000);

  it('a worker without AGENT_HTTP_PORT opens no HTTP port', async () => {
    const quiet = await spawnAgentWorker(outDir);
    await quiet.stop();
    expect(quiet.output.some((line) => line.includes('agents ready'))).toBe(true);
    expect(quiet.output.some((line) => line.includes('worker health and metrics'))).toBe(false);
  }, 30_000);
});
