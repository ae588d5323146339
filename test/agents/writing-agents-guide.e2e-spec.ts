/**
 * docs/writing-agents.md, run as written: its example agent streams a request
 * to a real socket.io-client through a real gateway and RabbitMQ, and its raw
 * JSON, published as another language would, reaches a watcher.
 */
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { AgentEventTypes, DEAD_LETTER_REASON_HEADER, Queues, type RecordedMessage } from '@app/contracts';
import { startResearchAgent } from '../../docs/examples/research-agent';
import { AsyncApiSpec } from '../support/asyncapi';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import { jsonBlocksOf, readGuide } from '../support/guide';
import { expectGapFree, type StreamClient } from '../support/stream-client';

const spec = new AsyncApiSpec();
/** `type step status` per message, to read like the guide's table. */
function trace(messages: RecordedMessage[]): string[] {
  return messages.map((m) => [m.type, 'step' in m ? m.step : undefined, 'status' in m ? m.status : undefined].filter((x) => x !== undefined).join(' '));
}

/** Every message the watcher got is one the AsyncAPI document describes. */
function expectDocumented(messages: RecordedMessage[]): void {
  for (const message of messages) expect(spec.recordedMessageErrors(message)).toEqual([]);
}

describe('docs/writing-agents.md, end to end', () => {
  let gateway: INestApplication;
  let url: string;
  let client: StreamClient;

  beforeAll(async () => {
    ({ app: gateway, url } = await startGateway());
    client = await connectAs(url, newUser('guide'));
  });
  afterAll(async () => {
    client?.close();
    await closeAll(gateway);
  });

  describe('the example research agent, registered as written', () => {
    let agent: INestApplicationContext;
    beforeAll(async () => {
      agent = await startResearchAgent();
    });
    afterAll(() => closeAll(agent));

    it('retries its search, asks, takes the answer and completes; the watcher sees it all in order', async () => {
      const requestId = newRequestId('guide');
      expect(await client.ack('start', { requestId, userQuery: 'solar panel prices', workflow: 'web-research' })).toEqual({ ok: true, requestId, status: 'queued' });

      const question = await client.waitFor('question', (m) => m.requestId === requestId);
      expect(question).toMatchObject({ agent: 'research-agent', questionId: 'research-agent:q4', prompt: 'Found 3 sources. How deep should the summary go?', options: ['quick', 'thorough'] });
      expect(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'thorough' })).toEqual({ ok: true });
      const end = await client.waitFor('request.completed', (m) => m.requestId === requestId);

      const messages = client.events(requestId);
      expect(trace(messages)).toEqual([
        'status queued',
        'progress 1 running',
        'progress 1 running', // the first search timed out: attempt 2
        'progress 1 completed',
        'question',
        'status running',
        'progress 2 running',
        'progress 2 completed',
        'agent.completed',
        'request.completed completed',
      ]);
      expect(messages[2]).toMatchObject({ type: 'progress', agent: 'research-agent', data: { attempt: 2, retryInMs: 50, tool: 'web.search' } });
      expect(messages[6]).toMatchObject({ data: { depth: 'thorough', tool: 'llm.summarise' } });
      expect(end.result).toEqual({
        summary: 'A thorough summary of 3 sources on "solar panel prices"',
        sources: [1, 2, 3].map((n) => `https://example.org/search?q=solar%20panel%20prices&hit=${n}`),
      });
      expectGapFree(client.seqs(requestId));
      expectDocumented(messages);

      // A late watcher gets the same picture from the snapshot.
      const late = await connectAs(url, 'admin-watcher', { roles: ['admin'] });
      try {
        await late.ack('rejoin', { requestId });
        const [state] = late.states(requestId);
        expect(state).toMatchObject({ status: 'completed', seq: messages.length, pendingQuestions: [] });
        expect(state.steps.map((s) => [s.step, s.status, s.tool])).toEqual([
          [1, 'completed', 'web.search'],
          [2, 'completed', 'llm.summarise'],
        ]);
        expect(spec.payloadErrors('state', state)).toEqual([]);
      } finally {
        late.close();
      }
    });

    it('a cancel while it waits on its question ends the request cancelled within a second', async () => {
      const requestId = newRequestId('guide-cancel');
      await client.ack('start', { requestId, userQuery: 'wind turbines', workflow: 'web-research' });
      const question = await client.waitFor('question', (m) => m.requestId === requestId);
      const rejoined = await client.ack('rejoin', { requestId });
      const waiting = client.states(requestId).at(-1);
      expect(waiting).toMatchObject({ seq: rejoined.seq, status: 'waiting', pendingQuestions: [{ agent: 'research-agent', questionId: question.questionId }] });
      const cancelledAt = Date.now();
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
      const end = await client.waitFor('request.completed', (m) => m.requestId === requestId);
      expect(Date.now() - cancelledAt).toBeLessThan(1000);
      expect(end.status).toBe('cancelled');
      expect(trace(client.events(requestId)).slice(-2)).toEqual(['status cancelling', 'request.completed cancelled']);
      expectGapFree(client.seqs(requestId));
    });

    it('a cancel during the search retry stops it at once: no step 2, no question', async () => {
      const requestId = newRequestId('guide-cancel-retry');
      await client.ack('start', { requestId, userQuery: 'heat pumps', workflow: 'web-research' });
      await client.waitFor('progress', (m) => m.requestId === requestId && m.data.attempt === 2);
      await client.ack('cancel', { requestId });
      await client.waitFor('request.completed', (m) => m.requestId === requestId && m.status === 'cancelled');
      const types = trace(client.events(requestId));
      expect(types).not.toContain('question');
      expect(types.filter((t) => t.startsWith('progress 2'))).toEqual([]);
    });
  });

  describe('the raw JSON an agent in another language publishes', () => {
    let broker: TestBroker;
    beforeAll(async () => {
      broker = await TestBroker.connect();
      await broker.drainDeadLetters();
    });
    afterAll(async () => {
      // No agent worker runs here: the starts stay queued, so clear them for the files after this one.
      await broker.channel.purgeQueue(Queues.agentStart);
      await broker.close();
    });

    /** The guide's bodies, for this test's request (the guide says "req-123"). */
    function guideBodies(requestId: string): Array<Record<string, any>> {
      const bodies = jsonBlocksOf('Agents in other languages').filter((b) => typeof b.type === 'string');
      return bodies.map((b) => ({ ...b, requestId, eventId: b.eventId.replace('req-123', requestId) }));
    }

    it('each body becomes its message at a watcher, a re-sent eventId is recorded once, the request ends', async () => {
      const requestId = newRequestId('guide-raw');
      await client.ack('start', { requestId, userQuery: 'from another language' });
      const bodies = guideBodies(requestId);
      // The first body twice, as after a missing confirm (same eventId): before the end, which would drop it anyway.
      for (const body of [bodies[0], ...bodies]) await broker.publishAgentEvent(body.type, body);
      const end = await client.waitFor('request.completed', (m) => m.requestId === requestId);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would arrive by now

      const messages = client.events(requestId);
      expect(trace(messages)).toEqual(['status queued', 'progress 1 running', 'output 1', 'question', 'error 1', 'agent.completed', 'request.completed completed']);
      const [, progress, output, question, error, completed] = messages;
      expect(progress).toMatchObject({ agent: 'executor-agent', data: bodies[0].data });
      expect(output).toMatchObject({ agent: 'executor-agent', step: 1, delta: bodies[1].data.delta });
      expect(question).toMatchObject({ questionId: bodies[2].data.questionId, prompt: bodies[2].data.prompt, options: bodies[2].data.options });
      expect(error).toMatchObject({ message: bodies[3].data.message, step: 1 });
      expect(completed).toMatchObject({ data: bodies[4].data });
      expect(end.result).toEqual(bodies[5].data.result);
      expectGapFree(client.seqs(requestId));
      expectDocumented(messages);
    });

    it('a body without data.status is dead-lettered with the reason the guide shows, and the stream goes on', async () => {
      const requestId = newRequestId('guide-dead');
      await client.ack('start', { requestId, userQuery: 'a broken agent' });
      const [progress, ...rest] = guideBodies(requestId);
      const { status: _status, ...dataWithoutStatus } = progress.data;
      await broker.publishAgentEvent(progress.type, { ...progress, eventId: `${requestId}:broken`, data: dataWithoutStatus });
      const last = rest.find((b) => b.type === AgentEventTypes.requestCompleted) as Record<string, any>;
      await broker.publishAgentEvent(last.type, last);
      await client.waitFor('request.completed', (m) => m.requestId === requestId);

      const deadline = Date.now() + 3000;
      let dead = await broker.drainDeadLetters();
      while (dead.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        dead = await broker.drainDeadLetters();
      }
      expect(dead).toHaveLength(1);
      const reason = String(dead[0].properties.headers?.[DEAD_LETTER_REASON_HEADER]);
      expect(reason).toBe('data.status must be one of running, completed, failed');
      expect(readGuide()).toContain(`${DEAD_LETTER_REASON_HEADER}: ${reason}`);
      expect(JSON.parse(dead[0].content.toString())).toMatchObject({ requestId, data: dataWithoutStatus });
      expect(trace(client.events(requestId))).toEqual(['status queued', 'request.completed completed']);
    });
  });
});
