import { TestBroker } from '../support/broker';
import { connectAs, demoContext, newRequestId, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import { eventually, http } from '../support/admin-http';
import { metricSample } from '../support/metrics-text';

/** docs/protocol.md §3 metric names, kinds and labels. */
const METRICS: Array<[string, 'gauge' | 'counter' | 'histogram', string[]]> = [
  ['agent_stream_connected_sockets', 'gauge', []],
  ['agent_stream_watched_requests', 'gauge', []],
  ['agent_stream_events_recorded_total', 'counter', ['type']],
  ['agent_stream_events_dead_lettered_total', 'counter', []],
  ['agent_stream_events_delivered_total', 'counter', []],
  ['agent_stream_commands_total', 'counter', ['command', 'result']],
  ['agent_stream_record_batch_size', 'histogram', []],
  ['agent_stream_record_duration_seconds', 'histogram', []],
  ['agent_stream_delivery_latency_seconds', 'histogram', []],
  ['agent_stream_requests_finished_total', 'counter', ['status']],
];

describe('operator HTTP: OpenAPI and metrics', () => {
  const product = withGatewayAndAgents();

  describe('OpenAPI', () => {
    it('/docs-json lists every admin route with its parameters, response schemas, bearer auth and error responses', async () => {
      const { status, body: doc } = await http(product.url, '/docs-json', { token: null });
      expect(status).toBe(200);
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const routes: Array<[string, string, string, string[]]> = [
        ['/admin/requests', 'get', 'AdminRequestPage', ['status', 'owner', 'q', 'limit', 'cursor']],
        ['/admin/requests/{id}', 'get', 'AdminRequestState', ['id']],
        ['/admin/requests/{id}/events', 'get', 'AdminEventPage', ['id', 'afterSeq', 'limit']],
        ['/admin/requests/{id}/cancel', 'post', 'AdminCancelResult', ['id']],
        ['/admin/instances', 'get', 'AdminInstancesView', []],
        ['/admin/health', 'get', 'AdminHealthSummary', []],
        ['/admin/dead-letters', 'get', 'AdminDeadLetterPage', ['limit']],
        ['/admin/dead-letters/{id}/discard', 'post', 'DeadLetterActionResult', ['id']],
        ['/admin/dead-letters/{id}/requeue', 'post', 'DeadLetterActionResult', ['id']],
      ];
      for (const [path, method, schema, params] of routes) {
        const operation = doc.paths[path]?.[method];
        expect({ path, defined: operation !== undefined }).toEqual({ path, defined: true });
        expect(operation.responses['200'].content['application/json'].schema.$ref).toBe(`#/components/schemas/${schema}`);
        expect(operation.parameters.map((p: any) => p.name).sort()).toEqual([...params].sort());
        expect(operation.security).toEqual([{ bearer: [] }]);
        for (const code of ['400', '401', '403']) {
          expect(operation.responses[code].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorBody');
        }
        // Routes about one request or one dead letter answer 404 for an unknown id.
        if (params.includes('id')) expect(operation.responses['404']).toBeDefined();
      }
      const schemas = doc.components.schemas;
      expect(Object.keys(schemas.AdminRequestSummary.properties).sort()).toEqual(
        ['createdAt', 'owner', 'requestId', 'seq', 'status', 'updatedAt', 'userQuery', 'watchers'].sort(),
      );
      expect(schemas.AdminRequestPage.properties.nextCursor.nullable).toBe(true);
      expect(schemas.AdminRequestState.properties).toHaveProperty('owner');
      expect(schemas.AdminRequestState.properties).toHaveProperty('pendingQuestions');
      expect(schemas.ErrorBody.properties.code.enum ?? schemas.ErrorCode?.enum).toEqual(
        expect.arrayContaining(['VALIDATION_FAILED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL']),
      );
      // Event items: one of the recorded types, each the envelope plus that type's fields; every reference resolves.
      const eventItems = schemas.AdminEventPage.properties.items.items;
      expect(eventItems.oneOf.map((o: any) => o.allOf[2].properties.type.enum[0])).toEqual(
        ['progress', 'agent.completed', 'question', 'error', 'request.completed', 'status', 'output'],
      );
      const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
      for (const ref of new Set(refs)) expect({ ref, defined: ref.split('/').pop()! in schemas }).toEqual({ ref, defined: true });
      expect(Object.keys(schemas.QuestionFields.properties).sort()).toEqual(['agent', 'options', 'prompt', 'questionId']);
      const limit = doc.paths['/admin/requests'].get.parameters.find((p: any) => p.name === 'limit');
      expect(limit.schema).toMatchObject({ minimum: 1, maximum: 500, default: 50 });
    });

    it('/docs renders Swagger UI', async () => {
      const { status, body } = await http(product.url, '/docs', { token: null });
      expect(status).toBe(200);
      expect(body).toContain('swagger-ui');
    });
  });

  describe('/metrics', () => {
    it('exposes the metric names of docs/protocol.md §3 with their kinds, plus the process defaults', async () => {
      const { status, body, headers } = await http(product.url, '/metrics', { token: null });
      expect(status).toBe(200);
      expect(headers.get('content-type')).toContain('text/plain');
      for (const [name, kind] of METRICS) expect(body).toContain(`# TYPE ${name} ${kind}`);
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
        expect(body).toContain(`# TYPE ${name}`);
      }
    });

    it('counters move after a run, and labels never carry request or user ids', async () => {
      const before = (await http(product.url, '/metrics', { token: null })).body as string;
      const owner = newUser('metrics');
      const requestId = newRequestId('metrics');
      const watcher = await connectAs(product.url, owner);
      await watcher.ack('start', { requestId, userQuery: 'count me', context: demoContext({ steps: 2 }) });
      expect(await watcher.ack('rejoin', { requestId: '!bad' })).toMatchObject({ ok: false });
      await watcher.waitFor('request.completed', (m) => m.requestId === requestId);
      const recorded = watcher.events(requestId);
      const broker = await TestBroker.connect();
      await broker.publishAgentEvent('agent.completed', Buffer.from('not json'));

      const after = await eventually(
        async () => (await http(product.url, '/metrics', { token: null })).body as string,
        (text) => metricSample(text, 'agent_stream_events_dead_lettered_total') > metricSample(before, 'agent_stream_events_dead_lettered_total'),
        5000,
      );
      const delta = (name: string, labels?: Record<string, string>) => metricSample(after, name, labels) - metricSample(before, name, labels);
      expect(delta('agent_stream_events_dead_lettered_total')).toBe(1);
      expect(delta('agent_stream_events_recorded_total')).toBeGreaterThanOrEqual(recorded.length);
      for (const type of new Set(recorded.map((m) => m.type))) {
        expect({ type, delta: delta('agent_stream_events_recorded_total', { type }) > 0 }).toEqual({ type, delta: true });
      }
      expect(delta('agent_stream_events_delivered_total')).toBe(recorded.length); // one socket watched: each message once
      expect(delta('agent_stream_commands_total', { command: 'start', result: 'ok' })).toBe(1);
      expect(delta('agent_stream_commands_total', { command: 'rejoin', result: 'VALIDATION_FAILED' })).toBe(1);
      expect(delta('agent_stream_requests_finished_total', { status: 'completed' })).toBe(1);
      expect(delta('agent_stream_record_batch_size_count')).toBeGreaterThan(0);
      expect(delta('agent_stream_record_duration_seconds_count')).toBeGreaterThan(0);
      expect(delta('agent_stream_delivery_latency_seconds_count')).toBeGreaterThan(0);
      expect(metricSample(after, 'agent_stream_connected_sockets')).toBeGreaterThanOrEqual(1);
      expect(metricSample(after, 'agent_stream_watched_requests')).toBeGreaterThanOrEqual(1);
      expect(after).not.toContain(requestId);
      expect(after).not.toContain(owner);
      await eventually(() => broker.drainDeadLetters(), (taken) => taken.length > 0, 2000); // leave the queue as found
      watcher.close();
      await broker.close();
    });
  });
});
