import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, ClientCommandError, type AgentStreamClient, type ConnectionStatus, type RequestWatch } from '@app/client';
import type { RecordedMessage } from '@app/contracts';
import { demoTokens, makePlan } from '../../apps/agents/src/demo/demo-plan';
import { StreamGateway } from '../../apps/gateway/src/socket';
import { connectAs, demoContext, newRequestId, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import { expectGapFree } from '../support/stream-client';
import { mintToken } from '../support/tokens';

/** Resolves once the watched request's picture satisfies `done`. */
function until(watch: RequestWatch, done: (s: RequestWatch['state']) => boolean, timeoutMs = 20_000): Promise<RequestWatch['state']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; state: ${JSON.stringify(watch.state)}`)), timeoutMs);
    const check = () => {
      if (!done(watch.state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(watch.state);
    };
    const unsubscribe = watch.subscribe(check);
    check();
  });
}

/** Resolves once the client's connection status is `wanted`. */
function untilStatus(client: AgentStreamClient, wanted: ConnectionStatus, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.status === wanted) return resolve();
    const timer = setTimeout(() => reject(new Error(`status still ${client.status}, not ${wanted}`)), timeoutMs);
    const unsubscribe = client.subscribeStatus(() => {
      if (client.status !== wanted) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

const finished = (s: RequestWatch['state']) => ['completed', 'failed', 'cancelled'].includes(s.status);

describe('the client SDK against the real gateway', () => {
  const running = withGatewayAndAgents();
  const clients: AgentStreamClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  function client(user: string, onToken?: () => void): AgentStreamClient {
    const c = createClient({
      url: running.url,
      token: async () => {
        onToken?.();
        return mintToken(user);
      },
      socket: { reconnectionDelay: 100, reconnectionDelayMax: 500 },
    });
    clients.push(c);
    return c;
  }

  /** What the server says now: a fresh `state` on a new connection. */
  async function serverState(user: string, requestId: string) {
    const fresh = await connectAs(running.url, user);
    try {
      await fresh.ack('rejoin', { requestId });
      const { type: _type, ...state } = fresh.states(requestId)[0];
      return state;
    } finally {
      fresh.close();
    }
  }

  it('every event once, in order, across forced transport drops; the final picture equals a fresh state', async () => {
    const user = newUser();
    let tokenCalls = 0;
    const sdk = client(user, () => tokenCalls++);
    const statuses: ConnectionStatus[] = [];
    sdk.subscribeStatus(() => statuses.push(sdk.status));
    const requestId = newRequestId();
    const watch = sdk.watch(requestId);
    const events: RecordedMessage[] = [];
    watch.on('*', (e) => events.push(e));

    await sdk.start({ requestId, userQuery: 'survive drops', context: demoContext({ steps: 10, stepDelayMs: 120 }) });
    for (const step of [2, 5]) {
      await until(watch, (s) => s.steps.some((x) => x.agent === 'executor-agent' && x.step === step));
      sdk.socket.io.engine.close(); // the transport dies under the client; socket.io reconnects
      await untilStatus(sdk, 'recovering', 5_000);
    }
    const final = await until(watch, finished);

    expect(final.status).toBe('completed');
    expectGapFree(events.map((e) => e.seq));
    expect(events.at(-1)).toMatchObject({ type: 'request.completed', seq: final.seq });
    const fresh = await serverState(user, requestId);
    expect({ ...final, updatedAt: undefined }).toEqual({ ...fresh, updatedAt: undefined });
    expect(tokenCalls).toBeGreaterThanOrEqual(3); // the first connect and each reconnect
    expect(statuses).toEqual(expect.arrayContaining(['live', 'recovering']));
    expect(sdk.status).toBe('live');
  });

  it("a streaming step: state.steps[].output grows, watch.on('output') hears each delta once, across transport drops", async () => {
    const user = newUser();
    const sdk = client(user);
    const requestId = newRequestId();
    const watch = sdk.watch(requestId);
    const deltas: string[] = [];
    watch.on('output', (o) => deltas.push(o.delta));
    const query = 'stream through drops';
    await sdk.start({ requestId, userQuery: query, context: demoContext({ steps: 1, streamAtStep: 1, streamTokens: 200, tokensPerSecond: 100 }) });
    for (const chars of [100, 600]) {
      await until(watch, (s) => (s.steps[0]?.output?.length ?? 0) > chars);
      sdk.socket.io.engine.close();
      await untilStatus(sdk, 'recovering', 5_000);
    }
    const final = await until(watch, finished);
    const written = demoTokens(makePlan(query, 1)[0], 200).join('');
    expect(final.steps[0].output).toBe(written);
    expect(deltas.join('')).toBe(written);
    expect((await serverState(user, requestId)).steps[0].output).toBe(written);
  });

  it('a drop on the server side (its transport closed) is recovered the same way', async () => {
    const user = newUser();
    const sdk = client(user);
    const requestId = newRequestId();
    const watch = sdk.watch(requestId);
    const seqs: number[] = [];
    watch.on('*', (e) => seqs.push(e.seq));
    await sdk.start({ requestId, userQuery: 'server drop', context: demoContext({ steps: 6, stepDelayMs: 100 }) });
    await until(watch, (s) => s.steps.some((x) => x.agent === 'executor-agent' && x.step === 2));
    // The server closes this client's transport (as it does to a slow client).
    const io = running.gateway!.get(StreamGateway)['server'];
    io.sockets.sockets.get(sdk.socket.id!)!.conn.close();
    const final = await until(watch, finished);
    expect(final.status).toBe('completed');
    expectGapFree(seqs);
    expect(seqs.at(-1)).toBe(final.seq);
  });

  it('answers a question and cancels, through the handle', async () => {
    const user = newUser();
    const sdk = client(user);
    const asked = sdk.watch(newRequestId());
    await sdk.start({ requestId: asked.requestId, userQuery: 'ask me', context: demoContext({ steps: 3, askAtStep: 2 }) });
    const waiting = await until(asked, (s) => s.pendingQuestions.length > 0);
    expect(waiting.status).toBe('waiting');
    await asked.answer(waiting.pendingQuestions[0].questionId, 'yes');
    expect((await until(asked, finished)).status).toBe('completed');

    const statuses: ConnectionStatus[] = [];
    sdk.subscribeStatus(() => statuses.push(sdk.status));
    // Started first, watched after: live messages may come before the watch's state; that is no reconnect.
    const { requestId } = await sdk.start({ userQuery: 'cancel me', context: demoContext({ steps: 20, stepDelayMs: 200 }) });
    const cancelled = sdk.watch(requestId);
    await until(cancelled, (s) => s.steps.length > 0);
    expect(['cancelling', 'cancelled']).toContain(await cancelled.cancel());
    const final = await until(cancelled, finished);
    expect(final.status).toBe('cancelled');
    expect(final.steps.filter((s) => s.status === 'completed').length).toBeLessThan(20);
    expect(statuses).toEqual([]);
  });

  it('refusals reject with a typed error carrying the contract code', async () => {
    const owner = newUser();
    const sdk = client(owner);
    const { requestId } = await sdk.start({ userQuery: 'mine', context: demoContext({ steps: 2 }) });

    const unknownQuestion = await sdk.answer(requestId, 'no-such-question', 'x').catch((e) => e);
    expect(unknownQuestion).toBeInstanceOf(ClientCommandError);
    expect(unknownQuestion).toMatchObject({ code: 'NOT_FOUND' });

    const invalid = await sdk.start({ userQuery: '' }).catch((e) => e);
    expect(invalid).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'userQuery' })] });

    const other = client(newUser());
    expect(await other.start({ requestId, userQuery: 'steal' }).catch((e) => e)).toMatchObject({ code: 'CONFLICT' });
    const refusedWatch = other.watch(requestId);
    expect((await until(refusedWatch, (s) => s.refused !== undefined)).refused).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a refused handshake is retried with a fresh token when the token is a function', async () => {
    const user = newUser();
    const tokens = ['not-a-jwt', mintToken(user, { expiresIn: -10 }), mintToken(user)];
    const sdk = createClient({ url: running.url, token: async () => tokens.shift() ?? mintToken(user), retry: { baseDelayMs: 50 } });
    clients.push(sdk);
    const statuses: ConnectionStatus[] = [];
    const errors: Array<string | undefined> = [];
    sdk.subscribeStatus(() => (statuses.push(sdk.status), errors.push(sdk.connectionError)));
    const watch = sdk.watch(newRequestId());
    await untilStatus(sdk, 'live');
    expect(errors[0]).toBe('unauthorized');
    expect(sdk.connectionError).toBeUndefined();
    expect(tokens).toEqual([]);
    expect(statuses.filter((x, i) => x !== statuses[i - 1])).toEqual(['offline', 'connecting', 'live']); // connecting: connected, the watched request loading
    expect(watch.state.status).toBe('unknown');
  });

  it('a refused string token (nothing to refresh) fails commands at once as UNAUTHORIZED, those sent before the refusal too', async () => {
    // The default retry policy: before, each command waited out 6 acknowledgement timeouts (~68 s) and failed as UNAVAILABLE.
    const sdk = createClient({ url: running.url, token: 'not-a-jwt' });
    clients.push(sdk);
    const early = sdk.start({ userQuery: 'sent while connecting' }).catch((e) => e);
    await untilStatus(sdk, 'offline');
    expect(sdk.connectionError).toBe('unauthorized');
    expect(await early).toMatchObject({ name: 'ClientCommandError', code: 'UNAUTHORIZED' });
    const late = await sdk.start({ userQuery: 'sent after the refusal' }).catch((e) => e);
    expect(late).toBeInstanceOf(ClientCommandError);
    expect(late).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('refused the token') });
    await expect(sdk.cancel(newRequestId())).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a token function: commands fail as UNAUTHORIZED once a fresh token is refused too, and go through once a token is taken', async () => {
    const user = newUser();
    let tokenCalls = 0;
    let accepted: string | undefined;
    const sdk = createClient({
      url: running.url,
      token: async () => (tokenCalls++, accepted ?? 'not-a-jwt'),
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
    });
    clients.push(sdk);
    const refused = await sdk.start({ userQuery: 'refused' }).catch((e) => e);
    expect(refused).toMatchObject({ name: 'ClientCommandError', code: 'UNAUTHORIZED' });
    expect(tokenCalls).toBeGreaterThanOrEqual(2); // the first token, then a fresh one: both refused
    // The client keeps trying new tokens in the background: once one is taken, commands work again.
    accepted = mintToken(user);
    await untilStatus(sdk, 'live');
    await expect(sdk.start({ userQuery: 'accepted', context: demoContext({ steps: 1 }) })).resolves.toMatchObject({ status: 'queued' });
  });

  it('a single refusal of a token function is not final: a command waits for the fresh token', async () => {
    const user = newUser();
    const tokens = ['not-a-jwt', mintToken(user)];
    const sdk = createClient({ url: running.url, token: async () => tokens.shift() ?? mintToken(user), retry: { baseDelayMs: 50 } });
    clients.push(sdk);
    await expect(sdk.start({ userQuery: 'after one refusal', context: demoContext({ steps: 1 }) })).resolves.toMatchObject({ status: 'queued' });
    expect(tokens).toEqual([]);
  });

  it('offline when the gateway cannot be reached, and after close()', async () => {
    const unreachable = createClient({ url: 'http://127.0.0.1:9', token: 'x', socket: { reconnectionDelay: 100 } });
    clients.push(unreachable);
    unreachable.watch('nothing-here');
    await untilStatus(unreachable, 'offline', 5_000);
    const sdk = client(newUser());
    sdk.watch(newRequestId());
    await untilStatus(sdk, 'live');
    sdk.close();
    expect(sdk.status).toBe('offline');
    await expect(sdk.start({ userQuery: 'after close' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  describe('transports: WebSocket first, so no load balancer needs sticky sessions; polling only as a fallback', () => {
    it('the first connection is a WebSocket upgrade, without a polling handshake before it', async () => {
      const server = running.gateway!.getHttpServer() as Server;
      const probe = newRequestId('probe');
      const seen: string[] = [];
      // Only this client's requests: it sends `probe` in every handshake's query string.
      const record = (kind: string) => (req: IncomingMessage) => {
        const query = new URL(req.url ?? '/', 'http://gateway').searchParams;
        if (query.get('probe') === probe) seen.push(`${kind} ${query.get('transport')}`);
      };
      const [onRequest, onUpgrade] = [record('request'), record('upgrade')];
      server.prependListener('request', onRequest);
      server.prependListener('upgrade', onUpgrade);
      try {
        const sdk = createClient({ url: running.url, token: mintToken(newUser()), socket: { query: { probe } } });
        clients.push(sdk);
        sdk.watch(newRequestId());
        await untilStatus(sdk, 'live');
        expect(sdk.socket.io.engine.transport.name).toBe('websocket');
        expect(seen).toEqual(['upgrade websocket']);
      } finally {
        server.off('request', onRequest);
        server.off('upgrade', onUpgrade);
      }
    });

    it('where WebSocket upgrades are refused (a proxy that does not pass them), it falls back to polling and works', async () => {
      const gateway = new URL(running.url);
      const proxy = createServer((req, res) => {
        const upstream = request({ host: gateway.hostname, port: gateway.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      });
      proxy.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n'));
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
        const sdk = createClient({ url, token: mintToken(newUser()) });
        clients.push(sdk);
        await expect(sdk.start({ userQuery: 'through a proxy without upgrades', context: demoContext({ steps: 1 }) })).resolves.toMatchObject({ status: 'queued' });
        expect(sdk.socket.io.engine.transport.name).toBe('polling');
        sdk.close();
        // With the fallback turned off, the same proxy is a wall.
        const websocketOnly = createClient({ url, token: mintToken(newUser()), socket: { transports: ['websocket'] } });
        clients.push(websocketOnly);
        await untilStatus(websocketOnly, 'offline');
        expect(websocketOnly.connectionError).toBe('websocket error');
        websocketOnly.close();
      } finally {
        proxy.closeAllConnections();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });

  it('a new client (a reload) watching a finished request gets the same picture', async () => {
    const user = newUser();
    const first = client(user);
    const watch = first.watch(newRequestId());
    await first.start({ requestId: watch.requestId, userQuery: 'reload', context: demoContext({ steps: 3, failAtStep: 2 }) });
    const before = await until(watch, finished);
    expect(before.status).toBe('failed');

    const reloaded = client(user).watch(watch.requestId);
    const after = await until(reloaded, (s) => s.seq === before.seq);
    expect(after).toEqual(before);
  });
});
