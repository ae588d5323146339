import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { AgentWorkflow, type AgentRun } from '@app/agent-kit';
import { Exchanges, startQueue } from '@app/contracts';
import { RequestStore } from '@app/persistence';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, newRequestId, newUser, startAgentWorker, startGateway } from '../support/gateway-harness';
import type { StreamClient } from '../support/stream-client';

/** Which workflow class ran which request, in this process. */
const ran: Array<{ workflow: string; requestId: string; named?: string }> = [];

async function report(run: AgentRun, workflow: string) {
  ran.push({ workflow, requestId: run.requestId, named: run.workflow });
  const agent = run.agent(`${workflow}-agent`);
  await agent.progress({ stepOrder: 1, status: 'completed', workflow: run.workflow ?? null });
  return { by: workflow };
}

// Distinct names per test run: a run's vhost is shared by its test files, and durable queues outlive a worker.
@AgentWorkflow('wf-alpha')
class AlphaWorkflow {
  run(run: AgentRun) {
    return report(run, 'alpha');
  }
}

@AgentWorkflow('wf-beta')
class BetaWorkflow {
  run(run: AgentRun) {
    return report(run, 'beta');
  }
}

describe('@AgentWorkflow: several workflows, routed by start.workflow', () => {
  let gateway: INestApplication;
  let url = '';
  let alphaWorker: INestApplicationContext;
  let betaWorker: INestApplicationContext | undefined;
  let broker: TestBroker;
  const clients: StreamClient[] = [];
  beforeAll(async () => {
    ({ app: gateway, url } = await startGateway());
    alphaWorker = await startAgentWorker([AlphaWorkflow]);
    betaWorker = await startAgentWorker([BetaWorkflow]);
    broker = await TestBroker.connect();
  });
  afterAll(async () => {
    await broker.close();
    await closeAll(alphaWorker, betaWorker, gateway);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  async function connect(): Promise<StreamClient> {
    const client = await connectAs(url, newUser());
    clients.push(client);
    return client;
  }

  it('a start for a second workflow reaches only that workflow’s workers, with `workflow` in the body', async () => {
    const client = await connect();
    const requestId = newRequestId();
    expect(await client.ack('start', { requestId, userQuery: 'beta please', workflow: 'wf-beta' })).toEqual({ ok: true, requestId, status: 'queued' });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(done).toMatchObject({ status: 'completed', result: { by: 'beta' } });
    const progress = client.events(requestId).filter((m) => m.type === 'progress');
    expect(progress).toEqual([expect.objectContaining({ agent: 'beta-agent', data: expect.objectContaining({ workflow: 'wf-beta' }) })]);
    expect(ran.filter((r) => r.requestId === requestId)).toEqual([{ workflow: 'beta', requestId, named: 'wf-beta' }]);
  });

  it('a start for a workflow no queue is bound to is NOT_FOUND (details name `workflow`) and leaves nothing recorded', async () => {
    const client = await connect();
    const requestId = newRequestId();
    const reply = await client.ack('start', { requestId, userQuery: 'anyone?', workflow: 'wf-nobody' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', details: [{ field: 'workflow' }] } });
    expect(await gateway.get(RequestStore).findRequest(requestId)).toBeNull();
    const rejoin = await client.ack('rejoin', { requestId, lastSeq: 0 });
    expect(rejoin).toEqual({ ok: true, seq: 0 });
    expect(client.states(requestId).at(-1)).toMatchObject({ status: 'unknown', seq: 0, events: [] });
    expect(client.events(requestId)).toEqual([]);
    // The id is not taken: the same start for a served workflow goes ahead.
    expect(await client.ack('start', { requestId, userQuery: 'anyone?', workflow: 'wf-alpha' })).toMatchObject({ ok: true, status: 'queued' });
    expect(await client.waitFor('request.completed', (m) => m.requestId === requestId)).toMatchObject({ result: { by: 'alpha' } });
  });

  it('refuses a malformed workflow name with VALIDATION_FAILED', async () => {
    const client = await connect();
    for (const workflow of ['Upper', '-dash', '', 'a'.repeat(65), 7]) {
      const reply = await client.ack('start', { requestId: newRequestId(), userQuery: 'q', workflow });
      expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: [{ field: 'workflow' }] } });
    }
  });

  it('a declared workflow whose workers are all stopped still takes the start, which waits for one of them', async () => {
    await closeAll(betaWorker);
    betaWorker = undefined;
    const client = await connect();
    const requestId = newRequestId();
    expect(await client.ack('start', { requestId, userQuery: 'wait', workflow: 'wf-beta' })).toMatchObject({ ok: true, status: 'queued' });
    expect((await broker.channel.checkQueue(startQueue('wf-beta'))).messageCount).toBe(1);
    betaWorker = await startAgentWorker([BetaWorkflow]);
    expect(await client.waitFor('request.completed', (m) => m.requestId === requestId)).toMatchObject({ result: { by: 'beta' } });
  });

  it('the start body carries `workflow` exactly when the start named one', async () => {
    const channel: Channel = broker.channel;
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, Exchanges.agentCommands, 'request.start.#');
    const client = await connect();
    const named = newRequestId();
    const unnamed = newRequestId();
    await client.ack('start', { requestId: named, userQuery: 'q', workflow: 'wf-alpha' });
    await client.ack('start', { requestId: unnamed, userQuery: 'q' });
    const bodies: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && bodies.length < 2; i++) {
      const message = await channel.get(queue, { noAck: true });
      if (message) bodies.push({ routingKey: message.fields.routingKey, ...JSON.parse(message.content.toString()) });
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(bodies.find((b) => b.requestId === named)).toMatchObject({ routingKey: 'request.start.wf-alpha', workflow: 'wf-alpha' });
    const plain = bodies.find((b) => b.requestId === unnamed);
    expect(plain).toMatchObject({ routingKey: 'request.start' });
    expect(plain).not.toHaveProperty('workflow');
    // No worker here serves the default workflow: that start waits in today's queue; take it out again.
    await channel.purgeQueue(startQueue());
  });
});
