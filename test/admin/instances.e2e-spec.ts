import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { closeAll, connectAs, demoContext, newRequestId, newUser, startAgents, startGateway } from '../support/gateway-harness';
import { buildApps, removeBuild, spawnGateway } from '../support/gateway-process';
import { adminToken, eventually, http } from '../support/admin-http';
import type { StreamClient } from '../support/stream-client';

// Short intervals so the test does not sleep: reports every 200 ms, a silent gateway stops counting after 1 s.
const PRESENCE = { PRESENCE_INTERVAL_MS: '200', PRESENCE_STALE_MS: '1000' };

/** Presence (`watchers`) across two gateway processes, and what a gateway logs about admin calls. */
describe('two gateway instances: watchers and logs', () => {
  let outDir: string;
  let gatewayA: INestApplication;
  let agents: INestApplicationContext;
  let urlA: string;
  let b: Awaited<ReturnType<typeof spawnGateway>>;
  const saved = { ...process.env };
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    Object.assign(process.env, PRESENCE);
    outDir = buildApps();
    ({ app: gatewayA, url: urlA } = await startGateway());
    agents = await startAgents();
    b = await spawnGateway(outDir, { env: { ...PRESENCE, LOG_LEVEL: 'info' } });
  }, 90_000);
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await b?.stop();
    await closeAll(agents, gatewayA);
    removeBuild(outDir);
    process.env = saved;
  });

  async function watch(url: string, owner: string, requestId: string): Promise<StreamClient> {
    const c = await connectAs(url, owner, { requestId });
    clients.push(c);
    await c.waitFor('state', (m) => m.requestId === requestId);
    return c;
  }
  const watchersOf = async (url: string, requestId: string) => (await http(url, `/admin/requests/${requestId}`)).body.watchers as number;

  it('watchers sums the sockets on both instances, in the snapshot and the list, and drops when they leave', async () => {
    const owner = newUser('presence');
    const requestId = newRequestId('presence');
    const starter = await connectAs(urlA, owner);
    await starter.ack('start', { requestId, userQuery: 'watched', context: demoContext({ steps: 1 }) });
    await starter.waitFor('request.completed', (m) => m.requestId === requestId);
    starter.close();

    const onA = await watch(urlA, owner, requestId);
    const onB = [await watch(b.url, owner, requestId), await watch(b.url, owner, requestId)];
    let since = Date.now();
    expect(await eventually(() => watchersOf(b.url, requestId), (n) => n === 3, 5000)).toBe(3);
    expect(Date.now() - since).toBeLessThan(5000);
    const listed = await http(urlA, `/admin/requests?owner=${owner}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ requestId, watchers: 3 })]);

    onB.forEach((c) => c.close());
    since = Date.now();
    expect(await eventually(() => watchersOf(urlA, requestId), (n) => n === 1, 5000)).toBe(1);
    expect(Date.now() - since).toBeLessThan(5000);
    expect(await onA.ack('leave', { requestId })).toEqual({ ok: true });
    expect(await eventually(() => watchersOf(urlA, requestId), (n) => n === 0, 5000)).toBe(0);
  });

  it('one line per admin call with method, route, status, duration and requestId; no token or user query in the logs', async () => {
    const owner = newUser('logs');
    const requestId = newRequestId('logs');
    const secretQuery = `private question ${newRequestId('q')}`;
    const outputBefore = b.output.length;
    const starter = await connectAs(b.url, owner);
    clients.push(starter);
    await starter.ack('start', { requestId, userQuery: secretQuery, context: demoContext({ steps: 1 }) });
    await starter.waitFor('request.completed', (m) => m.requestId === requestId);
    const token = adminToken('log-reader');
    await http(b.url, `/admin/requests/${requestId}`, { token });
    await http(b.url, `/admin/requests/${requestId}/events?limit=2`, { token });
    await http(b.url, `/admin/requests?owner=${owner}`, { token: null });

    const lines = await eventually(
      async () => b.output.slice(outputBefore).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)),
      (parsed) => parsed.filter((l) => l.context === 'AdminApi').length >= 3,
      3000,
    );
    const calls = lines.filter((l) => l.context === 'AdminApi');
    expect(calls.map(({ method, route, status, requestId: id }) => ({ method, route, status, requestId: id }))).toEqual([
      { method: 'GET', route: '/admin/requests/:id', status: 200, requestId },
      { method: 'GET', route: '/admin/requests/:id/events', status: 200, requestId },
      { method: 'GET', route: '/admin/requests', status: 401, requestId: undefined },
    ]);
    for (const call of calls) expect(call.durationMs).toEqual(expect.any(Number));
    expect(b.output.join('\n')).not.toContain(token);
    expect(b.output.join('\n')).not.toContain(secretQuery);
  });

  it('a gateway that dies stops counting once its last report is older than PRESENCE_STALE_MS', async () => {
    const owner = newUser('dead');
    const requestId = newRequestId('dead');
    const starter = await connectAs(urlA, owner);
    clients.push(starter);
    await starter.ack('start', { requestId, userQuery: 'outlives a gateway', context: demoContext({ steps: 1 }) });
    await watch(b.url, owner, requestId);
    await watch(b.url, owner, requestId);
    expect(await eventually(() => watchersOf(urlA, requestId), (n) => n === 3, 5000)).toBe(3);

    b.child.kill('SIGKILL'); // no goodbye: its rows stay until they are stale
    const since = Date.now();
    expect(await eventually(() => watchersOf(urlA, requestId), (n) => n === 1, 5000)).toBe(1);
    // Stale after 1 s (+ up to one 200 ms report interval); PROTOCOL-level bound with the defaults: 15 s + 2 s < 30 s.
    expect(Date.now() - since).toBeLessThan(2500);
  });
});
