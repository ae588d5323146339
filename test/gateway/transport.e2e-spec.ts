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

  it('answers /health/live and /health/ready with 200 when the broker and database are up', async () => {
    expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${running.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { broker: { status: 'up' }, database: { status: 'up' } } });
  });
});
