import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import type { AdminDeadLetterPage, AdminHealthSummary, AdminInstancesView, DeadLetterView } from '@app/contracts';
import { adminToken, eventually, http } from '../support/admin-http';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, demoContext, newRequestId, newUser, startAgents, startGateway } from '../support/gateway-harness';
import { mintToken } from '../support/tokens';
import type { StreamClient } from '../support/stream-client';

// Short presence intervals so the cluster view is current within a fraction of a second.
const PRESENCE = { PRESENCE_INTERVAL_MS: '200', PRESENCE_STALE_MS: '1000' };

/** The admin endpoints the operator console reads: the list's text filter, instances, health, dead letters. */
describe('admin API for the operator console', () => {
  let a: { app: INestApplication; url: string };
  let b: { app: INestApplication; url: string };
  let agents: INestApplicationContext;
  let broker: TestBroker;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    a = await startGateway(PRESENCE);
    b = await startGateway(PRESENCE);
    agents = await startAgents();
    broker = await TestBroker.connect();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await broker?.close();
    await closeAll(agents, b?.app, a?.app);
  });

  async function runDemo(url: string, owner: string, userQuery: string, demo: Record<string, number> = { steps: 1 }): Promise<string> {
    const requestId = newRequestId('console');
    const client = await connectAs(url, owner);
    clients.push(client);
    await client.ack('start', { requestId, userQuery, context: demoContext(demo) });
    await client.waitFor('request.completed', (m) => m.requestId === requestId);
    return requestId;
  }

  describe('GET /admin/requests?q=', () => {
    it('finds requests whose query or id contains the text, case-insensitively, with the other filters', async () => {
      const owner = newUser('text');
      const marker = newRequestId('Zermatt').slice(-12);
      const trails = await runDemo(a.url, owner, `Hiking trails near ZERMATT ${marker}`);
      const ev = await runDemo(a.url, owner, 'Compare EV chargers');
      const byText = await http(a.url, `/admin/requests?owner=${owner}&q=${encodeURIComponent(`zermatt ${marker.toLowerCase()}`)}`);
      expect(byText.status).toBe(200);
      expect(byText.body.items.map((i: { requestId: string }) => i.requestId)).toEqual([trails]);
      const byId = await http(a.url, `/admin/requests?q=${ev.slice(-10).toUpperCase()}`);
      expect(byId.body.items.map((i: { requestId: string }) => i.requestId)).toEqual([ev]);
      const both = await http(a.url, `/admin/requests?owner=${owner}&q=c`);
      expect(both.body.items.map((i: { requestId: string }) => i.requestId)).toEqual([ev, trails]);
      expect((await http(a.url, `/admin/requests?owner=${owner}&status=failed&q=zermatt`)).body.items).toEqual([]);
    });

    it('an empty or too long text is a 400 naming q', async () => {
      for (const q of ['', 'x'.repeat(201)]) {
        const reply = await http(a.url, `/admin/requests?q=${q}`);
        expect(reply.status).toBe(400);
        expect(reply.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'q' })] });
      }
    });
  });

  describe('GET /admin/instances', () => {
    it('lists both gateways with their gauges and watching sockets, marks the one asked, counts the agent workers', async () => {
      const owner = newUser('cluster');
      const requestId = await runDemo(a.url, owner, 'watched from b');
      const watcher = await connectAs(b.url, owner, { requestId });
      clients.push(watcher);
      await watcher.waitFor('state', (m) => m.requestId === requestId);

      const seen = await eventually(
        async () => (await http<AdminInstancesView>(a.url, '/admin/instances')).body,
        (view) => view.items.length === 2 && view.items.some((i) => i.watchingSockets >= 1),
        5000,
      );
      expect(seen.items).toHaveLength(2);
      expect(seen.items.filter((i) => i.self)).toHaveLength(1);
      for (const instance of seen.items) {
        expect(instance.gauges).toEqual(expect.objectContaining({ agent_stream_connected_sockets: expect.any(Number), agent_stream_watched_requests: expect.any(Number) }));
        expect(Date.parse(instance.heartbeatAt)).toBeGreaterThanOrEqual(Date.parse(instance.startedAt));
      }
      const onB = seen.items.find((i) => i.watchingSockets >= 1)!;
      expect(onB.gauges.agent_stream_watched_requests).toBeGreaterThanOrEqual(1);
      expect(onB.gauges.agent_stream_connected_sockets).toBeGreaterThanOrEqual(1);
      // Asked of b, the other one is `self`.
      const fromB = (await http<AdminInstancesView>(b.url, '/admin/instances')).body;
      expect(fromB.items.find((i) => i.self)!.instanceId).not.toBe(seen.items.find((i) => i.self)!.instanceId);
      expect(seen.agentWorkers).toEqual({ queue: 'agents.request.start', consumers: 1, ready: 0 });
    });

    it('needs an admin token', async () => {
      expect((await http(a.url, '/admin/instances', { token: null })).status).toBe(401);
      expect((await http(a.url, '/admin/instances', { token: mintToken(newUser()) })).body).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('dead letters', () => {
    const marker = newRequestId('dead');
    const unknownRequest = newRequestId('later');
    const body = (i: number, requestId = `${marker}-${i}`) => ({ type: 'executor.step.progress', requestId, agent: 'console-test', data: { status: 'running', step: i, marker } });
    const ours = (page: AdminDeadLetterPage) => page.items.filter((item) => item.preview.includes(marker));
    const list = async (url = a.url) => (await http<AdminDeadLetterPage>(url, '/admin/dead-letters')).body;

    beforeAll(async () => {
      await broker.drainDeadLetters();
      // Events for requests that do not exist: each is dead-lettered with a reason.
      await broker.publishAgentEvent('executor.step.progress', body(1, unknownRequest));
      await broker.publishAgentEvent('executor.step.progress', body(2));
      await broker.publishAgentEvent('executor.step.progress', body(3));
      await eventually(list, (page) => ours(page).length === 3, 5000);
    });

    it('lists them oldest first with reason, routing key and a body preview, and leaves them in the queue, in order', async () => {
      const first = await list();
      expect(first.total).toBe(3);
      expect(ours(first).map((d) => d.requestId)).toEqual([unknownRequest, `${marker}-2`, `${marker}-3`]);
      const item = ours(first)[1];
      expect(item).toEqual<DeadLetterView>({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        reason: expect.stringContaining(`${marker}-2`),
        routingKey: 'executor.step.progress',
        deadLetteredAt: expect.any(String),
        requestId: `${marker}-2`,
        type: 'executor.step.progress',
        bytes: Buffer.byteLength(JSON.stringify(body(2))),
        preview: JSON.stringify(body(2)),
        previewTruncated: false,
      });
      expect(Math.abs(Date.now() - Date.parse(item.deadLetteredAt!))).toBeLessThan(60_000);
      // Read again, from the other gateway: the same messages, the same ids, the same order.
      expect(await list(b.url)).toEqual(first);
    });

    it('the health summary counts it and shows its reason', async () => {
      const summaries = await Promise.all([a.url, b.url].map(async (url) => (await http<AdminHealthSummary>(url, '/admin/health')).body));
      // Only the instance holding the ingest queue dead-letters.
      const recorder = summaries.find((s) => s.deadLetteredTotal > 0)!;
      expect(recorder.deadLetteredTotal).toBeGreaterThanOrEqual(3);
      expect(recorder.recentDeadLetters[0]).toEqual({ at: expect.any(String), reason: expect.stringContaining(`${marker}-3`), routingKey: 'executor.step.progress' });
      expect(recorder.series.length).toBeGreaterThanOrEqual(1);
      expect(recorder.series.at(-1)).toEqual({ at: expect.any(String), eventsRecordedPerSecond: expect.any(Number), deliveryLatencyP99Ms: expect.anything(), deadLettered: expect.any(Number), webhooksFailed: expect.any(Number) });
      expect(recorder.series.reduce((sum, s) => sum + s.deadLettered, 0)).toBeGreaterThanOrEqual(3);
      expect(recorder.windowSeconds).toBeLessThanOrEqual(65);
      // Gateway a recorded the status events of the runs started there, and delivered to their sockets, in the last minute.
      const onA = summaries[0];
      expect(onA.eventsRecordedPerSecond).toBeGreaterThan(0);
      expect(onA.deliveryLatencyP99Ms).toEqual(expect.any(Number));
      expect(onA.webhooks === null || typeof onA.webhooks.failed === 'number').toBe(true);
    });

    it('discard removes exactly that one; the others stay in order; a second discard is a 404', async () => {
      const [, second] = ours(await list());
      const discarded = await http(a.url, `/admin/dead-letters/${second.id}/discard`, { method: 'POST' });
      expect(discarded).toMatchObject({ status: 200, body: { id: second.id, action: 'discarded', routingKey: null } });
      const after = await list();
      expect(after.total).toBe(2);
      expect(ours(after).map((d) => d.requestId)).toEqual([unknownRequest, `${marker}-3`]);
      expect(await http(a.url, `/admin/dead-letters/${second.id}/discard`, { method: 'POST' })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    });

    it('requeue publishes it again with its routing key: once its request exists, it is recorded', async () => {
      const owner = newUser('requeue');
      const starter = await connectAs(a.url, owner);
      clients.push(starter);
      // Running while the event comes back (events after the end of a request are dropped).
      await starter.ack('start', { requestId: unknownRequest, userQuery: 'exists now', context: demoContext({ steps: 2, stepDelayMs: 2000 }) });

      const [early] = ours(await list());
      expect(early.requestId).toBe(unknownRequest);
      const requeued = await http(a.url, `/admin/dead-letters/${early.id}/requeue`, { method: 'POST' });
      expect(requeued).toMatchObject({ status: 200, body: { id: early.id, action: 'requeued', routingKey: 'executor.step.progress' } });
      const recorded = await eventually(
        async () => (await http(a.url, `/admin/requests/${unknownRequest}/events?limit=500`)).body.items as Array<{ agent?: string; data?: { marker?: string } }>,
        (items) => items.some((e) => e.agent === 'console-test'),
        5000,
      );
      expect(recorded.find((e) => e.agent === 'console-test')!.data!.marker).toBe(marker);

      // What is left, taken for real: only the third (listing never consumed anything).
      const left = await broker.drainDeadLetters();
      expect(left.map((m) => JSON.parse(m.content.toString()).requestId)).toEqual([`${marker}-3`]);
      expect((await list()).total).toBe(0);
      // Leave no run behind for the next test file's agents.
      await starter.ack('cancel', { requestId: unknownRequest });
      await starter.waitFor('request.completed', (m) => m.requestId === unknownRequest);
    });

    it('bad ids and limits are 400 naming the field; an unknown id is 404; no admin role, 403', async () => {
      expect((await http(a.url, '/admin/dead-letters/not-an-id/discard', { method: 'POST' })).body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'id' })] });
      expect((await http(a.url, '/admin/dead-letters?limit=0')).body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'limit' })] });
      expect((await http(a.url, '/admin/dead-letters?limit=201')).status).toBe(400);
      expect(await http(a.url, `/admin/dead-letters/${'0'.repeat(32)}/requeue`, { method: 'POST' })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      expect((await http(a.url, '/admin/dead-letters', { token: mintToken(newUser()) })).status).toBe(403);
      expect((await http(a.url, '/admin/dead-letters', { token: null })).status).toBe(401);
      expect((await http(a.url, '/admin/dead-letters', { token: adminToken() })).status).toBe(200);
    });
  });
});
