import { io } from 'socket.io-client';
import { demoContext, newRequestId, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import { expectGapFree, StreamClient } from '../support/stream-client';
import { mintToken } from '../support/tokens';

describe('transports, CORS and health', () => {
  const running = withGatewayAndAgents();

  it('the long-polling transport carries the whole flow too', async () => {
    const requestId = newRequestId();
    const client = await StreamClient.connect(running.url, { token: mintToken(newUser()), requestId, transports: ['polling'] });
    await client.waitFor('state', (m) => m.requestId === requestId);
    expect(await client.ack('start', { requestId, userQuery: 'over polling', context: demoContext({ steps: 2 }) })).toMatchObject({ ok: true });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(done.status).toBe('completed');
    expectGapFree(client.seqs(requestId));
    client.close();
  });

  it("allows the gateway's own origin by default and no other (never '*')", async () => {
    const own = new URL(running.url).origin;
    const preflight = (origin: string) =>
      fetch(`${running.url}/socket.io/?EIO=4&transport=polling`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });
    const allowed = await preflight(own);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(own);
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).not.toBe('*');
  });

  describe('WebSocket upgrades obey the same origin policy (CORS headers alone do not stop them)', () => {
    const sockets: Array<ReturnType<typeof io>> = [];
    afterEach(() => sockets.splice(0).forEach((socket) => socket.close()));

    /** 'connected', or 'connect_error: <message>'. */
    const connectOverWebSocket = (url: string, headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: mintToken(newUser()) }, extraHeaders: headers });
        sockets.push(socket);
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (error) => resolve(`connect_error: ${error.message}`));
      });

    it('refuses an upgrade from a foreign Origin (connect_error), with a valid token', async () => {
      expect(await connectOverWebSocket(running.url, { Origin: 'https://evil.example' })).toMatch(/^connect_error/);
      expect(await connectOverWebSocket(running.url, { Origin: 'null' })).toMatch(/^connect_error/);
    });

    it("accepts the gateway's own origin and clients that send no Origin (not a browser page)", async () => {
      expect(await connectOverWebSocket(running.url, { Origin: new URL(running.url).origin })).toBe('connected');
      expect(await connectOverWebSocket(running.url, {})).toBe('connected');
    });

    it('refuses a polling handshake from a foreign Origin too (403), and takes one from its own', async () => {
      const handshake = (origin: string) => fetch(`${running.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
      expect((await handshake('https://evil.example')).status).toBe(403);
      expect((await handshake(new URL(running.url).origin)).status).toBe(200);
    });
  });

  it('answers /health/live and /health/ready with 200 when the broker and database are up', async () => {
    expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${running.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { broker: { status: 'up' }, database: { status: 'up' } } });
  });
});
