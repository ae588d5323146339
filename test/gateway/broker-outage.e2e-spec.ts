import { execFileSync } from 'node:child_process';
import { connectAs, demoContext, newRequestId, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import { expectGapFree } from '../support/stream-client';

const vhost = () => process.env.TEST_VHOST as string;
const rabbitmqctl = (...args: string[]) => execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore' });

/** Takes the broker away from this run's vhost only: no reconnect succeeds until it is back. */
function breakBroker(): void {
  rabbitmqctl('clear_permissions', '-p', vhost(), 'guest');
  rabbitmqctl('close_all_connections', '--vhost', vhost(), 'broker outage test');
}
function restoreBroker(): void {
  rabbitmqctl('set_permissions', '-p', vhost(), 'guest', '.*', '.*', '.*');
}

async function waitForReadiness(url: string, ready: boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ok === ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`readiness did not become ${ready}`);
}

describe('while the broker is away', () => {
  const running = withGatewayAndAgents();
  // A safety net for a failure while the broker is away: the next test files need it back.
  afterAll(restoreBroker);

  it('an answer refused while the broker is away leaves the question open: its retry goes through', async () => {
    const { url } = running;
    const client = await connectAs(url, newUser());
    await waitForReadiness(url, true);
    const requestId = newRequestId();
    await client.ack('start', { requestId, userQuery: 'ask across an outage', context: demoContext({ steps: 2, askAtStep: 1 }) });
    const question = await client.waitFor('question', (m) => m.requestId === requestId);

    breakBroker();
    await waitForReadiness(url, false);
    const answer = { requestId, questionId: question.questionId, answer: 'go ahead' };
    expect((await client.ack('feedback', answer)).error.code).toBe('UNAVAILABLE');
    restoreBroker();
    await waitForReadiness(url, true);

    const deadline = Date.now() + 15_000;
    let reply = await client.ack('feedback', answer);
    while (!reply.ok && reply.error.code === 'UNAVAILABLE' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      reply = await client.ack('feedback', answer);
    }
    expect(reply).toEqual({ ok: true });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId, 15_000);
    expect(done.status).toBe('completed');
    expectGapFree(client.seqs(requestId));
    client.close();
  }, 60_000);

  it('commands fail UNAVAILABLE without half-done work, readiness says so, and everything resumes when it is back', async () => {
    const { url } = running;
    const client = await connectAs(url, newUser());
    await waitForReadiness(url, true);

    breakBroker();
    await waitForReadiness(url, false);
    const refusedId = newRequestId();
    const startedAt = Date.now();
    const refused = await client.ack('start', { requestId: refusedId, userQuery: 'during the outage' });
    expect(refused).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: expect.any(String) } });
    expect(Date.now() - startedAt).toBeLessThan(6000);
    expect(client.socket.connected).toBe(true);
    // Nothing was recorded: the id is still free.
    expect(await client.ack('rejoin', { requestId: refusedId })).toEqual({ ok: true, seq: 0 });

    restoreBroker();
    await waitForReadiness(url, true);
    // Consumers re-attach: a run goes through end to end again (agents, ingest, fan-out).
    const requestId = newRequestId();
    const deadline = Date.now() + 15_000;
    let ack = await client.ack('start', { requestId, userQuery: 'after the outage', context: demoContext({ steps: 2 }) });
    while (!ack.ok && ack.error.code === 'UNAVAILABLE' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      ack = await client.ack('start', { requestId, userQuery: 'after the outage', context: demoContext({ steps: 2 }) });
    }
    expect(ack).toMatchObject({ ok: true, requestId });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId, 15_000);
    expect(done.status).toBe('completed');
    expectGapFree(client.seqs(requestId));
    client.close();
  }, 60_000);
});
