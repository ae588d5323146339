import type { INestApplication } from '@nestjs/common';
import { DEAD_LETTER_REASON_HEADER } from '@app/contracts';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, newRequestId, newUser, RECORDING_MODES, startGateway } from '../support/gateway-harness';
import { expectGapFree, type StreamClient } from '../support/stream-client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Both ways of writing the batches (RECORDING_THREAD): on the event loop (the default) and on the recording thread.
describe.each(RECORDING_MODES)('ingest of agent events, recorded %s', (_where, recordingThread) => {
  let app: INestApplication;
  let broker: TestBroker;
  let client: StreamClient;
  let requestId: string;

  beforeAll(async () => {
    const started = await startGateway({ RECORDING_THREAD: recordingThread });
    app = started.app;
    broker = await TestBroker.connect();
    await broker.drainDeadLetters();
    client = await connectAs(started.url, newUser());
  });
  beforeEach(async () => {
    requestId = newRequestId();
    expect(await client.ack('start', { requestId, userQuery: 'ingest' })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    client?.close();
    await broker?.close();
    await closeAll(app);
  });

  const progress = (step: number, eventId?: string) => ({
    type: 'executor.step.progress',
    requestId,
    agent: 'executor-agent',
    ...(eventId ? { eventId } : {}),
    data: { stepOrder: step, status: 'running' },
  });

  it('maps the guide’s executor.step.progress to progress, with step from data.stepOrder', async () => {
    await broker.publishAgentEvent('executor.step.progress', progress(7));
    const message = await client.waitFor('progress', (m) => m.requestId === requestId);
    expect(message).toEqual({
      type: 'progress',
      requestId,
      seq: 2,
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      agent: 'executor-agent',
      step: 7,
      status: 'running',
      data: { stepOrder: 7, status: 'running' },
    });
  });

  it('dead-letters each unusable message once, with the reason, and the stream goes on', async () => {
    const unusable: Array<[string, object | Buffer, RegExp]> = [
      ['executor.step.progress', Buffer.from('{not json'), /JSON/],
      ['executor.step.progress', { ...progress(1), data: { stepOrder: 1, status: 'dancing' } }, /status/],
      ['executor.step.progress', { ...progress(1), data: { stepOrder: 'one', status: 'running' } }, /stepOrder/],
      ['agent.question', { type: 'agent.question', requestId, agent: 'a', data: { prompt: 'no id' } }, /questionId/],
      ['weird.thing', { type: 'weird.thing', requestId, agent: 'a', data: {} }, /unknown type/],
      ['executor.step.progress', { ...progress(1), requestId: newRequestId('nobody') }, /unknown request/],
      ['agent.completed', { type: 'agent.completed', requestId, data: {} }, /agent/],
    ];
    for (const [key, body] of unusable) await broker.publishAgentEvent(key, body);
    await broker.publishAgentEvent('executor.step.progress', progress(1));
    const after = await client.waitFor('progress', (m) => m.requestId === requestId, 5000);
    expect(after.seq).toBe(2);

    // Each arrives within a second and exactly once (no redelivery loop).
    await sleep(1000);
    const dead = await broker.drainDeadLetters();
    expect(dead).toHaveLength(unusable.length);
    for (const [, , reason] of unusable) {
      expect(dead.map((m) => String(m.properties.headers?.[DEAD_LETTER_REASON_HEADER]))).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
    }
    await sleep(500);
    expect(await broker.drainDeadLetters()).toHaveLength(0);
  });

  it('records and delivers an eventId once, even when the agent sends it twice', async () => {
    await broker.publishAgentEvent('executor.step.progress', progress(1, 'evt-1'));
    await broker.publishAgentEvent('executor.step.progress', progress(1, 'evt-1'));
    await broker.publishAgentEvent('executor.step.progress', progress(2, 'evt-2'));
    await client.waitFor('progress', (m) => m.requestId === requestId && m.step === 2);
    await sleep(300);
    const seqs = client.seqs(requestId);
    expectGapFree(seqs, 3);
    expect(client.events(requestId).filter((m) => m.type === 'progress')).toHaveLength(2);
  });

  it('records agent data with NUL and lone surrogates unchanged (valid JSON, not dead-lettered)', async () => {
    const data = { stepOrder: 1, status: 'running', note: 'a\u0000b', lone: 'x\udc00y', nested: { z: 1, a: 2 } };
    await broker.publishAgentEvent('executor.step.progress', { ...progress(1), data });
    const message = await client.waitFor('progress', (m) => m.requestId === requestId);
    expect(message.data).toEqual(data);
    expect(Object.keys(message.data.nested)).toEqual(['z', 'a']);
    expect(await broker.drainDeadLetters()).toHaveLength(0);
  });

  it('a cancel before any agent reported ends the request at once (no worker needed); later agent events are dropped', async () => {
    expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId, 2000);
    expect(done).toMatchObject({ seq: 3, status: 'cancelled' });
    await broker.publishAgentEvent('executor.step.progress', progress(1));
    await broker.publishAgentEvent('request.completed', { type: 'request.completed', requestId, agent: 'executor-agent', data: { status: 'cancelled' } });
    await sleep(500);
    expect(client.seqs(requestId)).toEqual([1, 2, 3]);
    expect(client.events(requestId).filter((m) => m.type === 'request.completed')).toHaveLength(1);
    expect(await broker.drainDeadLetters()).toHaveLength(0);
    expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelled' });
  });

  it('records a burst of events for several requests gap-free, in publish order', async () => {
    const second = newRequestId();
    expect(await client.ack('start', { requestId: second, userQuery: 'two' })).toMatchObject({ ok: true });
    for (let step = 1; step <= 200; step++) {
      await broker.publishAgentEvent('executor.step.progress', progress(step));
      await broker.publishAgentEvent('executor.step.progress', { ...progress(step), requestId: second });
    }
    await client.waitFor('progress', (m) => m.requestId === second && m.step === 200);
    await client.waitFor('progress', (m) => m.requestId === requestId && m.step === 200);
    for (const id of [requestId, second]) {
      expectGapFree(client.seqs(id), 201);
      expect(client.events(id).filter((m) => m.type === 'progress').map((m) => (m as { step: number }).step)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
    }
  });
});
