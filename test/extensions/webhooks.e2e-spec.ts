/**
 * Webhooks (docs/protocol.md §3): a finished request is POSTed to every URL,
 * signed per Standard Webhooks (checked with the library's own verifier),
 * and retried after a failed answer with the same webhook-id.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { newRequestId, newUser, startGateway, withGatewayClientAndBroker } from '../support/gateway-harness';
import { metricSample } from '../support/metrics-text';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  answered: number;
}

/**
 * An HTTP receiver on a random port that answers each POST about request `only` with the next status of
 * `answers` (then 200). Others (finished requests of earlier test files in the same vhost, still in the
 * durable hook queue) are answered 200 and not kept.
 */
async function receiver(answers: number[]): Promise<{ url: string; received: Received[]; server: Server; only?: string }> {
  const received: Received[] = [];
  const self: { url: string; received: Received[]; server: Server; only?: string } = { url: '', received, server: undefined as unknown as Server };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (self.only === undefined || !body.includes(JSON.stringify(self.only))) return void res.writeHead(200).end();
      const answered = answers.shift() ?? 200;
      received.push({ headers: req.headers, body, at: Date.now(), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(self, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server });
}

async function until(check: () => boolean, what: string, timeoutMs: number, describe: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(describe())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What each receiver got so far, when a wait times out. */
const seen = (r: { received: Received[] }) => r.received.map((x) => `${x.headers['webhook-id']}@${x.at}`);

describe('webhooks', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let flaky: Awaited<ReturnType<typeof receiver>>;
  let steady: Awaited<ReturnType<typeof receiver>>;
  const owner = newUser('webhooks');

  beforeAll(async () => {
    flaky = await receiver([500]);
    steady = await receiver([]);
  });
  // Registered after the receivers' hook, so their URLs are known when the gateway starts (and it is closed before they are).
  const product = withGatewayClientAndBroker(owner, () => startGateway({ WEBHOOK_URLS: `${flaky.url},${steady.url}`, WEBHOOK_SECRET: secret }));
  afterAll(() => {
    flaky?.server.close();
    steady?.server.close();
  });

  it('POSTs each finished request to every URL, signed and verifiable; a 500 is retried with the same webhook-id', async () => {
    const requestId = newRequestId('webhook');
    flaky.only = steady.only = requestId;
    await product.client.ack('start', { requestId, userQuery: 'notify me' });
    await product.broker.publishAgentEvent('request.completed', { type: 'request.completed', requestId, agent: 'a', eventId: `${requestId}:end`, data: { status: 'completed', result: { answer: 42 } } });
    const completed = await product.client.waitFor('request.completed', (m) => m.requestId === requestId);

    await until(() => steady.received.length >= 1 && flaky.received.length >= 2, 'two attempts at the flaky URL, one at the steady one', 45_000, () => ({ steady: seen(steady), flaky: seen(flaky) }));
    // At least once: a repeat (same webhook-id) is allowed, e.g. after a slow broker confirm; a receiver drops it by id.
    expect(flaky.received.map((r) => r.answered)).toEqual([500, ...flaky.received.slice(1).map(() => 200)]);
    const verifier = new Webhook(secret);
    for (const { headers, body } of [...steady.received, ...flaky.received]) {
      const verified = verifier.verify(body, {
        'webhook-id': String(headers['webhook-id']),
        'webhook-timestamp': String(headers['webhook-timestamp']),
        'webhook-signature': String(headers['webhook-signature']),
      });
      expect(verified).toEqual({ type: 'request.completed', timestamp: completed.ts, data: { ...completed, owner } });
      expect(headers['content-type']).toBe('application/json');
    }
    // A tampered body does not verify.
    const [first] = steady.received;
    expect(() => verifier.verify(first.body.replace('42', '43'), first.headers as Record<string, string>)).toThrow();
    // One id per finished request, the same on every attempt and at every URL.
    const ids = new Set([...steady.received, ...flaky.received].map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    // The retry came after a backoff (first retry 5 s), not at once.
    expect(flaky.received[1].at - flaky.received[0].at).toBeGreaterThanOrEqual(4000);

    const metrics = await (await fetch(`${product.url}/metrics`)).text();
    expect(metricSample(metrics, 'agent_stream_webhook_deliveries_total', { result: 'ok' })).toBeGreaterThanOrEqual(steady.received.length + flaky.received.length - 1);
    expect(metricSample(metrics, 'agent_stream_webhook_deliveries_total', { result: 'retry' })).toBe(1);
    expect(metricSample(metrics, 'agent_stream_webhook_deliveries_total', { result: 'failed' })).toBe(0);
    expect(metricSample(metrics, 'agent_stream_requests_finished_total', { status: 'completed' })).toBeGreaterThanOrEqual(1);
  });
});
