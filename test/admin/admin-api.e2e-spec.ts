import { connectAs, demoContext, newRequestId, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import { adminToken, http } from '../support/admin-http';
import { mintToken } from '../support/tokens';
import type { StreamClient } from '../support/stream-client';

/** docs/protocol.md §3 admin API, against a real gateway, agents, broker and database. */
describe('admin API', () => {
  const product = withGatewayAndAgents();
  const clients: StreamClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  async function client(owner: string): Promise<StreamClient> {
    const c = await connectAs(product.url, owner);
    clients.push(c);
    return c;
  }

  /** Starts a demo run and returns once it has ended. */
  async function runToEnd(owner: string, demo: Record<string, number> = { steps: 2 }): Promise<{ requestId: string; watcher: StreamClient }> {
    const watcher = await client(owner);
    const requestId = newRequestId('adm');
    expect(await watcher.ack('start', { requestId, userQuery: `query of ${owner}`, context: demoContext(demo) })).toMatchObject({ ok: true });
    await watcher.waitFor('request.completed', (m) => m.requestId === requestId);
    return { requestId, watcher };
  }

  describe('authentication and role', () => {
    let requestId: string;
    beforeAll(async () => {
      ({ requestId } = await runToEnd(newUser()));
    });
    const routes = (): Array<[string, string, 'GET' | 'POST']> => [
      ['list', '/admin/requests', 'GET'],
      ['snapshot', `/admin/requests/${requestId}`, 'GET'],
      ['events', `/admin/requests/${requestId}/events`, 'GET'],
      ['cancel', `/admin/requests/${requestId}/cancel`, 'POST'],
    ];

    it('every admin route answers 401 without a token, with a malformed, wrongly signed or expired one', async () => {
      for (const [, path, method] of routes()) {
        const bad = [
          { token: null },
          { authorization: 'Basic b3BzOnB3' },
          { authorization: 'Bearer' },
          { token: 'not-a-jwt' },
          { token: mintToken('ops', { roles: ['admin'], secret: 'some-other-secret-0123456789' }) },
          { token: mintToken('ops', { roles: ['admin'], expiresIn: -10 }) },
        ];
        for (const options of bad) {
          const reply = await http(product.url, path, { method, ...options });
          expect({ path, status: reply.status }).toEqual({ path, status: 401 });
          expect(reply.body).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining('bearer token') });
          expect(reply.headers.get('www-authenticate')).toBe('Bearer');
        }
      }
    });

    it('every admin route answers 403 to a valid token without the admin role', async () => {
      for (const [, path, method] of routes()) {
        const reply = await http(product.url, path, { method, token: mintToken(newUser(), { roles: ['viewer'] }) });
        expect({ path, status: reply.status, code: reply.body.code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
      }
    });

    it('every admin route answers 200 to an admin token', async () => {
      for (const [, path, method] of routes()) {
        const reply = await http(product.url, path, { method, token: adminToken() });
        expect({ path, status: reply.status }).toEqual({ path, status: 200 });
      }
    });
  });

  describe('GET /admin/requests', () => {
    it('filters by owner and by status, newest first, with the documented item fields', async () => {
      const owner = newUser('filter');
      const done = await runToEnd(owner);
      const waitingWatcher = await client(owner);
      const waitingId = newRequestId('adm-wait');
      await waitingWatcher.ack('start', { requestId: waitingId, userQuery: 'asks', context: demoContext({ steps: 2, askAtStep: 1, questionTimeoutMs: 60_000 }) });
      await waitingWatcher.waitFor('question', (m) => m.requestId === waitingId);
      await runToEnd(newUser('other'));

      const mine = await http(product.url, `/admin/requests?owner=${owner}`);
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((i: any) => i.requestId)).toEqual([waitingId, done.requestId]);
      expect(mine.body.nextCursor).toBeNull();
      const [waitingItem, doneItem] = mine.body.items;
      expect(doneItem).toEqual({
        requestId: done.requestId,
        owner,
        status: 'completed',
        userQuery: `query of ${owner}`,
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
        seq: Math.max(...done.watcher.seqs(done.requestId)),
        watchers: expect.any(Number),
      });
      expect(waitingItem.status).toBe('waiting');

      const waiting = await http(product.url, `/admin/requests?owner=${owner}&status=waiting`);
      expect(waiting.body.items.map((i: any) => i.requestId)).toEqual([waitingId]);
      const completed = await http(product.url, `/admin/requests?status=completed&owner=${owner}`);
      expect(completed.body.items.map((i: any) => i.requestId)).toEqual([done.requestId]);
      const allCompleted = await http(product.url, '/admin/requests?status=completed&limit=500');
      expect(allCompleted.body.items.length).toBeGreaterThan(1);
      expect(allCompleted.body.items.every((i: any) => i.status === 'completed')).toBe(true);

      await http(product.url, `/admin/requests/${waitingId}/cancel`, { method: 'POST' });
    });

    it('pages with a cursor return every request exactly once while new ones are being created', async () => {
      const owner = newUser('pages');
      const starter = await client(owner);
      const start = (label: string) =>
        starter.ack('start', { requestId: newRequestId(label), userQuery: 'page me', context: demoContext({ steps: 1, stepDelayMs: 10 }) });
      const before: string[] = [];
      for (let i = 0; i < 12; i++) {
        const ack = await start('before');
        before.push(ack.requestId);
      }

      let creating = true;
      const during: string[] = [];
      const creator = (async () => {
        while (creating) during.push((await start('during')).requestId);
      })();
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/admin/requests?owner=${owner}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await http(product.url, query);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.body.items.map((i: any) => i.requestId));
        cursor = page.body.nextCursor;
        pages += 1;
        await new Promise((resolve) => setTimeout(resolve, 30)); // let new requests arrive between pages
      } while (cursor !== null);
      creating = false;
      await creator;

      expect(during.length).toBeGreaterThan(0);
      expect(new Set(seen).size).toBe(seen.length); // nothing repeated
      expect(seen.filter((id) => before.includes(id)).sort()).toEqual([...before].sort()); // nothing that existed skipped
      expect(seen.filter((id) => before.includes(id))).toEqual([...before].reverse()); // newest first
      expect(pages).toBeGreaterThanOrEqual(3);
    });
  });

  describe('GET /admin/requests/:id', () => {
    it('is the state snapshot plus owner and watchers', async () => {
      const owner = newUser();
      const { requestId, watcher } = await runToEnd(owner);
      const reply = await http(product.url, `/admin/requests/${requestId}`);
      expect(reply.status).toBe(200);
      const seq = Math.max(...watcher.seqs(requestId));
      expect(reply.body).toMatchObject({ type: 'state', requestId, seq, status: 'completed', owner, watchers: expect.any(Number), userQuery: `query of ${owner}` });
      expect(reply.body.agents.map((a: any) => a.agent).sort()).toEqual(['executor-agent', 'thought-agent']);
      expect(reply.body.steps).toHaveLength(2);
      expect(reply.body).not.toHaveProperty('events');
    });

    it('answers 404 NOT_FOUND for an unknown id', async () => {
      const reply = await http(product.url, `/admin/requests/${newRequestId('nobody')}`);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ code: 'NOT_FOUND', message: 'no such request' });
    });
  });

  describe('GET /admin/requests/:id/events', () => {
    it('pages by afterSeq through exactly the recorded messages, shaped as the live ones', async () => {
      const { requestId, watcher } = await runToEnd(newUser(), { steps: 3 });
      const live = watcher.events(requestId);
      const paged: any[] = [];
      let afterSeq: number | null = 0;
      while (afterSeq !== null) {
        const page: any = await http(product.url, `/admin/requests/${requestId}/events?afterSeq=${afterSeq}&limit=4`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(4);
        paged.push(...page.body.items);
        afterSeq = page.body.nextSeq;
        if (afterSeq !== null) expect(afterSeq).toBe(page.body.items.at(-1).seq);
      }
      expect(paged).toEqual(live);

      const tail = await http(product.url, `/admin/requests/${requestId}/events?afterSeq=${live.length - 2}`);
      expect(tail.body).toEqual({ items: live.slice(-2), nextSeq: null });
      const past = await http(product.url, `/admin/requests/${requestId}/events?afterSeq=${live.length}`);
      expect(past.body).toEqual({ items: [], nextSeq: null });
      const unknown = await http(product.url, `/admin/requests/${newRequestId('nobody')}/events`);
      expect(unknown.status).toBe(404);
    });
  });

  describe('POST /admin/requests/:id/cancel', () => {
    it('ends a running demo run cancelled within 3 s, as a frontend cancel does', async () => {
      const owner = newUser();
      const watcher = await client(owner);
      const requestId = newRequestId('adm-cancel');
      await watcher.ack('start', { requestId, userQuery: 'long', context: demoContext({ steps: 20, stepDelayMs: 300 }) });
      await watcher.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent');

      const started = Date.now();
      const reply = await http(product.url, `/admin/requests/${requestId}/cancel`, { method: 'POST' });
      expect(reply).toMatchObject({ status: 200, body: { status: 'cancelling' } });
      const done = await watcher.waitFor('request.completed', (m) => m.requestId === requestId, 3000);
      expect(done.status).toBe('cancelled');
      expect(Date.now() - started).toBeLessThan(3000);
      const cancelling = watcher.events(requestId).find((m) => m.type === 'status' && m.status === 'cancelling');
      expect(cancelling).toMatchObject({ reason: 'cancelled by ops' });

      const again = await http(product.url, `/admin/requests/${requestId}/cancel`, { method: 'POST' });
      expect(again).toMatchObject({ status: 200, body: { status: 'cancelled' } });
      const unknown = await http(product.url, `/admin/requests/${newRequestId('nobody')}/cancel`, { method: 'POST' });
      expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    });
  });

  describe('bad query and path values: 400 VALIDATION_FAILED naming the field', () => {
    const id = 'some-request';
    it.each([
      ['limit=0', `/admin/requests?limit=0`, 'limit'],
      ['limit=501', `/admin/requests?limit=501`, 'limit'],
      ['limit=ten', `/admin/requests?limit=ten`, 'limit'],
      ['limit=1.5', `/admin/requests?limit=1.5`, 'limit'],
      ['limit given twice', `/admin/requests?limit=1&limit=2`, 'limit'],
      ['cursor not from this API', `/admin/requests?cursor=abc`, 'cursor'],
      ['cursor of the wrong shape', `/admin/requests?cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`, 'cursor'],
      ['status unknown', `/admin/requests?status=unknown`, 'status'],
      ['status bogus', `/admin/requests?status=sleeping`, 'status'],
      ['owner empty', `/admin/requests?owner=`, 'owner'],
      ['an unknown query field', `/admin/requests?sort=asc`, 'sort'],
      ['afterSeq=-1', `/admin/requests/${id}/events?afterSeq=-1`, 'afterSeq'],
      ['afterSeq=x', `/admin/requests/${id}/events?afterSeq=x`, 'afterSeq'],
      ['events limit=1000', `/admin/requests/${id}/events?limit=1000`, 'limit'],
      ['id with a space (snapshot)', `/admin/requests/bad%20id`, 'id'],
      ['id with a space (events)', `/admin/requests/bad%20id/events`, 'id'],
      ['id starting with a dot (cancel)', `/admin/requests/.hidden/cancel`, 'id'],
      ['id too long', `/admin/requests/${'a'.repeat(129)}`, 'id'],
    ])('%s', async (_label, path, field) => {
      const reply = await http(product.url, path, { method: path.endsWith('/cancel') ? 'POST' : 'GET' });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining(field) });
      expect(reply.body.details.map((d: any) => d.field)).toContain(field);
    });
  });
});
