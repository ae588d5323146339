/**
 * docs/protocol.md §2 `agent.events`: this test plays the agent itself (no demo
 * agents run here) and checks the mapping to §1 messages, de-duplication and
 * the dead-letter queue; plus the `agent.commands` a request produces.
 */
import { randomUUID } from 'node:crypto';
import { Broker, Client, expectFailure, expectGapFree, expectRecordedShape, rid, sleep, uid } from './client';
import { productUnderTest } from './product';

describe('PROTOCOL §2 agent.events mapping (the test plays the agent)', () => {
  const { connect } = productUnderTest({ agents: false });
  let broker: Broker;
  let user: string;
  let client: Client;
  const eid = () => `ev-${randomUUID()}`;
  const agent = 'test-agent';
  async function started(): Promise<string> {
    const requestId = rid('ae');
    expect(await client.ack('start', { requestId, userQuery: 'played by the test', context: { demo: { steps: 1 } } })).toMatchObject({ ok: true });
    await client.waitFor('status', (m) => m.requestId === requestId && m.status === 'queued');
    return requestId;
  }
  /** Publishes a body and waits for the live message it becomes (the next message of that type on the request). */
  async function deliver(routingKey: string, body: Record<string, any>, event: string) {
    const after = Math.max(0, ...client.live(body.requestId).map((m) => m.seq));
    await broker.publish(routingKey, body);
    return client.waitFor(event, (m) => m.requestId === body.requestId && m.seq > after, 5000);
  }
  /** Publishes something unusable, expects it on websocket.progress.dead once, within about a second, with a reason header. */
  async function expectDeadLettered(routingKey: string, body: object | Buffer, marker: string) {
    const publishedAt = await broker.publish(routingKey, body);
    const dead = await broker.waitDead(marker, 4000);
    const latency = dead.at - publishedAt;
    return { dead, latency };
  }
  const reasonHeader = (headers: Record<string, unknown>) =>
    Object.entries(headers).find(([k, v]) => /reason/i.test(k) && typeof v === 'string' && v.length > 0 && k !== 'x-first-death-reason');

  beforeAll(async () => {
    broker = await Broker.connect({ spyCommands: true, consumeDead: true });
    user = uid();
    client = await connect(user);
  });
  afterAll(async () => {
    // nobody consumed the starts of this file: do not leave them to agents of later files
    await broker.channel.purgeQueue('agents.request.start').catch(() => undefined);
    await broker?.close();
  });

  it('request.start reaches agent.commands once, with { requestId, userQuery, context, owner }', async () => {
    const requestId = await started();
    await sleep(300);
    const starts = broker.commandsFor(requestId, 'request.start');
    expect(starts).toHaveLength(1);
    expect(starts[0].body).toEqual({ requestId, userQuery: 'played by the test', context: { demo: { steps: 1 } }, owner: user });
  });

  describe('mapping', () => {
    let requestId: string;
    beforeAll(async () => {
      requestId = await started();
    });

    it('executor.step.progress with data.stepOrder → progress, step = stepOrder, data unchanged', async () => {
      const data = { stepOrder: 1, status: 'running', tool: 'web.search', nested: { list: [1, 'two', null, { deep: true }] }, unicode: 'ünï ✓', marker: eid() };
      const m = await deliver('executor.step.progress', { type: 'executor.step.progress', requestId, agent, eventId: data.marker, data }, 'progress');
      expectRecordedShape('progress', m, requestId);
      expect(m).toEqual({ type: 'progress', requestId, seq: expect.any(Number), ts: expect.any(String), agent, step: 1, status: 'running', data });
    });

    it('progress with only data.step → step = data.step', async () => {
      const eventId = eid();
      const data = { step: 2, status: 'completed', eventTag: eventId };
      const m = await deliver('executor.step.progress', { type: 'executor.step.progress', requestId, agent, eventId, data }, 'progress');
      expect(m).toMatchObject({ agent, step: 2, status: 'completed', data });
    });

    it('progress with both: data.stepOrder wins', async () => {
      const eventId = eid();
      const data = { stepOrder: 3, step: 9, status: 'failed', eventTag: eventId };
      const m = await deliver('executor.step.progress', { type: 'executor.step.progress', requestId, agent, eventId, data }, 'progress');
      expect(m).toMatchObject({ step: 3, status: 'failed', data });
    });

    it('any type ending in .progress becomes progress', async () => {
      const eventId = eid();
      const data = { stepOrder: 4, status: 'running', eventTag: eventId };
      const m = await deliver('thought.progress', { type: 'thought.progress', requestId, agent: 'thought-agent', eventId, data }, 'progress');
      expect(m).toMatchObject({ type: 'progress', agent: 'thought-agent', step: 4, data });
    });

    it('the body type is authoritative, the routing key only routes', async () => {
      const eventId = eid();
      const data = { summary: 'done', eventTag: eventId };
      const m = await deliver('some.other.key', { type: 'agent.completed', requestId, agent, eventId, data }, 'agent.completed');
      expect(m).toEqual({ type: 'agent.completed', requestId, seq: expect.any(Number), ts: expect.any(String), agent, data });
    });

    it('agent.error → error { agent, message, step? }', async () => {
      const eventId = eid();
      const m = await deliver('agent.error', { type: 'agent.error', requestId, agent, eventId, data: { message: `boom ${eventId}`, step: 2 } }, 'error');
      expectRecordedShape('error', m, requestId);
      expect(m).toMatchObject({ agent, message: `boom ${eventId}`, step: 2 });
      const eventId2 = eid();
      const m2 = await deliver('agent.error', { type: 'agent.error', requestId, agent, eventId: eventId2, data: { message: `no step ${eventId2}` } }, 'error');
      expect(m2).toMatchObject({ agent, message: `no step ${eventId2}` });
      expect(m2.step).toBeUndefined();
    });

    it('agent.question → question { agent, questionId, prompt, options }; state waiting; feedback → request.feedback; status running', async () => {
      const questionId = `q-${randomUUID()}`;
      const m = await deliver('agent.question', { type: 'agent.question', requestId, agent, eventId: eid(), data: { questionId, prompt: 'Which way?', options: ['left', 'right'] } }, 'question');
      expectRecordedShape('question', m, requestId);
      expect(m).toMatchObject({ agent, questionId, prompt: 'Which way?', options: ['left', 'right'] });

      const watcher = await connect(user);
      await watcher.ack('rejoin', { requestId });
      const state = await watcher.waitFor('state');
      expect(state.status).toBe('waiting');
      expect(state.pendingQuestions).toEqual([{ agent, questionId, prompt: 'Which way?', options: ['left', 'right'] }]);

      expectFailure(await client.ack('feedback', { requestId, questionId: 'never-asked', answer: 'x' }), 'NOT_FOUND');
      expect(await client.ack('feedback', { requestId, questionId, answer: 'left' })).toEqual({ ok: true });
      const status = await client.waitFor('status', (s) => s.requestId === requestId && s.seq > m.seq);
      expect(status.status).toBe('running');
      await sleep(200);
      const feedbacks = broker.commandsFor(requestId, 'request.feedback');
      expect(feedbacks).toHaveLength(1);
      expect(feedbacks[0].body).toEqual({ requestId, questionId, answer: 'left' });
      expectFailure(await client.ack('feedback', { requestId, questionId, answer: 'right' }), 'CONFLICT');
    });

    it('a question without options has no options', async () => {
      const questionId = `q-${randomUUID()}`;
      const m = await deliver('agent.question', { type: 'agent.question', requestId, agent, eventId: eid(), data: { questionId, prompt: 'Free text?' } }, 'question');
      expect(m).toMatchObject({ agent, questionId, prompt: 'Free text?' });
      expect(m.options === undefined || Array.isArray(m.options)).toBe(true);
    });

    it('the same eventId twice is recorded and delivered once', async () => {
      const eventId = eid();
      const body = { type: 'executor.step.progress', requestId, agent, eventId, data: { stepOrder: 5, status: 'running', eventTag: eventId } };
      await broker.publish('executor.step.progress', body);
      await broker.publish('executor.step.progress', body);
      const next = eid();
      await deliver('agent.completed', { type: 'agent.completed', requestId, agent, eventId: next, data: { eventTag: next } }, 'agent.completed');
      await sleep(300);
      expect(client.live(requestId).filter((m) => m.data?.eventTag === eventId)).toHaveLength(1);
      const c = await connect(user);
      await c.ack('rejoin', { requestId, lastSeq: 0 });
      const state = await c.waitFor('state');
      expect(state.events.filter((m: any) => m.data?.eventTag === eventId)).toHaveLength(1);
      expect(broker.deadWith(eventId)).toEqual([]);
    });

    it('the same eventId again after other events is still a duplicate', async () => {
      const eventId = eid();
      const body = { type: 'agent.completed', requestId, agent: 'dup-agent', eventId, data: { eventTag: eventId } };
      await deliver('agent.completed', body, 'agent.completed');
      const between = eid();
      await deliver('agent.completed', { type: 'agent.completed', requestId, agent, eventId: between, data: { eventTag: between } }, 'agent.completed');
      await broker.publish('agent.completed', body);
      const last = eid();
      await deliver('agent.completed', { type: 'agent.completed', requestId, agent, eventId: last, data: { eventTag: last } }, 'agent.completed');
      await sleep(200);
      expect(client.live(requestId).filter((m) => m.data?.eventTag === eventId)).toHaveLength(1);
      expectGapFree(client.live(requestId).map((m) => m.seq));
    });

    it('cancel → request.cancel { requestId }; the agent ends it with request.completed cancelled', async () => {
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
      await sleep(200);
      expect(broker.commandsFor(requestId, 'request.cancel').map((c) => c.body)).toEqual([{ requestId }]);
      const eventId = eid();
      const m = await deliver('request.completed', { type: 'request.completed', requestId, agent, eventId, data: { status: 'cancelled' } }, 'request.completed');
      expectRecordedShape('request.completed', m, requestId);
      expect(m.status).toBe('cancelled');
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelled' });
      await sleep(100);
      expectGapFree(client.live(requestId).map((x) => x.seq));
    });
  });

  it("state.steps[].title is the progress's data.title, else the title an agent's plan (agent.completed data.plan) gives the step", async () => {
    const requestId = await started();
    const plan = [{ stepOrder: 1, title: 'Planned one' }, { stepOrder: 2, title: 'Planned two' }, { stepOrder: 3 }];
    await deliver('agent.completed', { type: 'agent.completed', requestId, agent: 'planner-agent', eventId: eid(), data: { plan } }, 'agent.completed');
    const progress = (stepOrder: number, extra: object) =>
      deliver('executor.step.progress', { type: 'executor.step.progress', requestId, agent, eventId: eid(), data: { stepOrder, status: 'running', ...extra } }, 'progress');
    await progress(1, { title: 'Said by the agent' });
    await progress(1, { detail: 'no title this time' });
    await progress(2, {});
    await progress(3, {});
    await progress(4, { title: 'Unplanned, titled' });

    const watcher = await connect(user);
    await watcher.ack('rejoin', { requestId });
    const state = await watcher.waitFor('state');
    expect(state.steps.map((s: { step: number; title?: string }) => [s.step, s.title])).toEqual([
      [1, 'Said by the agent'],
      [2, 'Planned two'],
      [3, undefined],
      [4, 'Unplanned, titled'],
    ]);
  });

  it('request.completed with result → request.completed { status, result }; state has the result', async () => {
    const requestId = await started();
    const result = { answer: 42, list: ['a', { b: null }] };
    const m = await deliver('request.completed', { type: 'request.completed', requestId, agent, eventId: eid(), data: { status: 'completed', result } }, 'request.completed');
    expect(m).toMatchObject({ status: 'completed', result });
    const late = await connect(user, { requestId });
    const state = await late.waitFor('state');
    expect(state).toMatchObject({ status: 'completed', result, seq: m.seq });
  });

  it('request.completed failed with error → request.completed { status: failed, error }', async () => {
    const requestId = await started();
    const m = await deliver('request.completed', { type: 'request.completed', requestId, agent, eventId: eid(), data: { status: 'failed', error: 'it broke' } }, 'request.completed');
    expect(m).toMatchObject({ status: 'failed', error: 'it broke' });
  });

  describe('unusable messages: dead-lettered once, with a reason header, within about a second; the stream continues', () => {
    let requestId: string;
    beforeAll(async () => {
      requestId = await started();
    });

    const cases: Array<[string, (requestId: string, marker: string) => { key: string; body: object | Buffer }]> = [
      ['not JSON', (_r, marker) => ({ key: 'executor.step.progress', body: Buffer.from(`{not json ${marker}`) })],
      ['not UTF-8', (_r, marker) => ({ key: 'agent.completed', body: Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from(`${marker}"}`)]) })],
      ['the bare type "progress" (does not end in ".progress")', (r, marker) => ({ key: 'progress', body: { type: 'progress', requestId: r, agent, eventId: marker, data: { stepOrder: 1, status: 'running' } } })],
      ['JSON but not an object', (_r, marker) => ({ key: 'executor.step.progress', body: Buffer.from(JSON.stringify([marker])) })],
      ['progress with an invalid data.status', (r, marker) => ({ key: 'executor.step.progress', body: { type: 'executor.step.progress', requestId: r, agent, eventId: marker, data: { stepOrder: 1, status: 'done' } } })],
      ['progress without data.status', (r, marker) => ({ key: 'executor.step.progress', body: { type: 'executor.step.progress', requestId: r, agent, eventId: marker, data: { stepOrder: 1 } } })],
      ['progress with a non-number step', (r, marker) => ({ key: 'executor.step.progress', body: { type: 'executor.step.progress', requestId: r, agent, eventId: marker, data: { stepOrder: 'one', status: 'running' } } })],
      ['question without questionId', (r, marker) => ({ key: 'agent.question', body: { type: 'agent.question', requestId: r, agent, eventId: marker, data: { prompt: 'p' } } })],
      ['question without prompt', (r, marker) => ({ key: 'agent.question', body: { type: 'agent.question', requestId: r, agent, eventId: marker, data: { questionId: 'q' } } })],
      ['error without message', (r, marker) => ({ key: 'agent.error', body: { type: 'agent.error', requestId: r, agent, eventId: marker, data: { step: 1 } } })],
      ['request.completed without status', (r, marker) => ({ key: 'request.completed', body: { type: 'request.completed', requestId: r, agent, eventId: marker, data: {} } })],
      ['missing requestId', (_r, marker) => ({ key: 'agent.completed', body: { type: 'agent.completed', agent, eventId: marker, data: {} } })],
      ['missing type', (r, marker) => ({ key: 'agent.completed', body: { requestId: r, agent, eventId: marker, data: {} } })],
      ['missing data', (r, marker) => ({ key: 'agent.completed', body: { type: 'agent.completed', requestId: r, agent, eventId: marker } })],
      ['missing agent', (r, marker) => ({ key: 'agent.completed', body: { type: 'agent.completed', requestId: r, eventId: marker, data: {} } })],
      ['an unknown request', (_r, marker) => ({ key: 'agent.completed', body: { type: 'agent.completed', requestId: rid('nobody'), agent, eventId: marker, data: {} } })],
      ['an unknown type', (r, marker) => ({ key: 'agent.dance', body: { type: 'agent.dance', requestId: r, agent, eventId: marker, data: {} } })],
      ['a known routing key with an unknown body type', (r, marker) => ({ key: 'agent.completed', body: { type: 'agent.sings', requestId: r, agent, eventId: marker, data: {} } })],
    ];

    it.each(cases)('%s', async (_name, make) => {
      const marker = eid();
      const { key, body } = make(requestId, marker);
      const before = client.live(requestId).length;
      const { dead, latency } = await expectDeadLettered(key, body, marker);
      expect(reasonHeader(dead.headers)).toBeDefined();
      expect(latency).toBeLessThan(2000);
      // the stream continues: a good event right after is delivered, with the next seq
      const good = eid();
      const m = await deliver('agent.completed', { type: 'agent.completed', requestId, agent, eventId: good, data: { eventTag: good } }, 'agent.completed');
      expect(client.live(requestId).length).toBe(before + 1);
      expect(m.seq).toBe(Math.max(0, ...client.live(requestId).slice(0, before).map((x) => x.seq)) + 1);
      // once: not redelivered in a loop
      await sleep(400);
      expect(broker.deadWith(marker)).toHaveLength(1);
      expect(client.live(requestId).filter((x) => JSON.stringify(x).includes(marker))).toEqual([]);
    });
  });
});
