import { connectAs, demoContext, newRequestId, newUser, withGatewayAndAgents } from '../support/gateway-harness';
import { expectGapFree, type StreamClient } from '../support/stream-client';

describe('streaming a request to frontends', () => {
  const running = withGatewayAndAgents();
  const clients: StreamClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  async function connect(userId: string, requestId?: string): Promise<StreamClient> {
    const client = await connectAs(running.url, userId, { requestId });
    clients.push(client);
    return client;
  }

  it('the guide’s flow: connect with requestId, start, and watch to request.completed with seq 1..n', async () => {
    const requestId = newRequestId();
    const client = await connect(newUser(), requestId);
    const initial = await client.waitFor('state', (m) => m.requestId === requestId);
    expect(initial).toMatchObject({ type: 'state', requestId, seq: 0, status: 'unknown', agents: [], steps: [], pendingQuestions: [] });

    const ack = await client.ack('start', { requestId, userQuery: 'Plan a trip', context: demoContext({ steps: 3 }) });
    expect(ack).toEqual({ ok: true, requestId, status: 'queued' });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(done).toMatchObject({ status: 'completed', result: expect.anything() });

    const events = client.events(requestId);
    expectGapFree(events.map((m) => m.seq));
    expect(events[0]).toMatchObject({ type: 'status', status: 'queued', seq: 1 });
    expect(events.at(-1)).toBe(done);
    for (const m of events) expect(new Date(m.ts).toISOString()).toBe(m.ts);
    const types = events.map((m) => m.type);
    expect(types.filter((t) => t === 'agent.completed')).toHaveLength(2);
    const executorSteps = events.filter((m) => m.type === 'progress' && m.agent === 'executor-agent' && m.status === 'completed');
    expect(executorSteps.map((m) => (m as { step: number }).step)).toEqual([1, 2, 3]);
  });

  it('two watchers of the same request see the same stream', async () => {
    const owner = newUser();
    const requestId = newRequestId();
    const first = await connect(owner);
    await first.ack('start', { requestId, userQuery: 'shared', context: demoContext({ steps: 4 }) });
    const second = await connect(owner, requestId);
    const state = await second.waitFor('state', (m) => m.requestId === requestId);
    await Promise.all([first, second].map((c) => c.waitFor('request.completed', (m) => m.requestId === requestId)));

    const all = first.events(requestId);
    expectGapFree(all.map((m) => m.seq));
    const secondLive = second.events(requestId);
    expect(secondLive).toEqual(all.filter((m) => m.seq > state.seq));
  });

  it('rejoin mid-run restores exactly: missed events in state.events, then live, each seq once', async () => {
    const owner = newUser();
    const requestId = newRequestId();
    const before = await connect(owner);
    await before.ack('start', { requestId, userQuery: 'long run', context: demoContext({ steps: 8, stepDelayMs: 100 }) });
    await before.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent' && m.step === 2);
    const lastSeq = Math.max(...before.seqs(requestId));
    before.close();

    // Events are recorded while nobody watches; then the client comes back.
    await new Promise((resolve) => setTimeout(resolve, 350));
    const after = await connect(owner);
    const ack = await after.ack('rejoin', { requestId, lastSeq });
    const state = after.states(requestId)[0];
    expect(ack).toEqual({ ok: true, seq: state.seq });
    expect(state.events!.length).toBeGreaterThan(0);
    expect(state.events!.map((m) => m.seq)).toEqual(Array.from({ length: state.seq - lastSeq }, (_, i) => lastSeq + 1 + i));
    await after.waitFor('request.completed', (m) => m.requestId === requestId);

    const union = [...before.seqs(requestId), ...state.events!.map((m) => m.seq), ...after.seqs(requestId)];
    expectGapFree(union);
    expect(after.seqs(requestId)[0]).toBe(state.seq + 1);
  });

  it('two overlapping rejoins on one socket each get their own state', async () => {
    const owner = newUser();
    const requestId = newRequestId();
    const starter = await connect(owner);
    await starter.ack('start', { requestId, userQuery: 'rejoin twice', context: demoContext({ steps: 4 }) });
    await starter.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent');
    const client = await connect(owner);
    const [first, second] = await Promise.all([client.ack('rejoin', { requestId, lastSeq: 0 }), client.ack('rejoin', { requestId, lastSeq: 1 })]);
    const states = client.states(requestId);
    expect(states.map((s) => s.seq)).toEqual([first.seq, second.seq]);
    expect(states[1].events!.map((m) => m.seq)).toEqual(Array.from({ length: second.seq - 1 }, (_, i) => i + 2));
    await client.waitFor('request.completed', (m) => m.requestId === requestId);
    const live = client.seqs(requestId);
    expect(live[0]).toBeGreaterThan(second.seq);
    // lastSeq 1, then the replay, then live: every seq from 2 once, in order.
    const afterOne = [...states[1].events!.map((m) => m.seq), ...live];
    expect(afterOne).toEqual(Array.from({ length: afterOne.length }, (_, i) => i + 2));
  });

  it('a late joiner gets a snapshot that matches the finished run', async () => {
    const owner = newUser();
    const requestId = newRequestId();
    const starter = await connect(owner);
    await starter.ack('start', { requestId, userQuery: 'snapshot me', context: demoContext({ steps: 2 }) });
    const done = await starter.waitFor('request.completed', (m) => m.requestId === requestId);

    const late = await connect(owner, requestId);
    const state = await late.waitFor('state', (m) => m.requestId === requestId);
    expect(state).toMatchObject({
      requestId,
      seq: done.seq,
      status: 'completed',
      userQuery: 'snapshot me',
      result: done.result,
      pendingQuestions: [],
      agents: expect.arrayContaining([
        expect.objectContaining({ agent: 'thought-agent', status: 'completed' }),
        expect.objectContaining({ agent: 'executor-agent', status: 'completed' }),
      ]),
    });
    expect(state).not.toHaveProperty('events');
    expect(state.steps.filter((s: { agent: string }) => s.agent === 'executor-agent')).toEqual([
      expect.objectContaining({ step: 1, status: 'completed' }),
      expect.objectContaining({ step: 2, status: 'completed' }),
    ]);
    expect(new Date(state.createdAt).toISOString()).toBe(state.createdAt);
  });

  it('cancel ends the run cancelled within 1 s of the ack', async () => {
    const requestId = newRequestId();
    const client = await connect(newUser());
    await client.ack('start', { requestId, userQuery: 'stop me', context: demoContext({ steps: 20, stepDelayMs: 400 }) });
    await client.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent');
    const reply = await client.ack('cancel', { type: 'cancel', requestId });
    const ackedAt = Date.now();
    expect(reply).toEqual({ ok: true, status: 'cancelling' });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId, 3000);
    expect(Date.now() - ackedAt).toBeLessThan(1000);
    expect(done.status).toBe('cancelled');
    expect(client.events(requestId).some((m) => m.type === 'status' && m.status === 'cancelling')).toBe(true);
    expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelled' });
  });

  it('a question blocks the run until feedback; a second answer is refused', async () => {
    const requestId = newRequestId();
    const client = await connect(newUser());
    await client.ack('start', { requestId, userQuery: 'ask me', context: demoContext({ steps: 3, askAtStep: 2 }) });
    const question = await client.waitFor('question', (m) => m.requestId === requestId);
    expect(question).toMatchObject({ agent: 'executor-agent', questionId: expect.any(String), prompt: expect.any(String) });

    // Blocked: nothing moves while the question waits.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waitingSeq = Math.max(...client.seqs(requestId));
    expect(waitingSeq).toBe(question.seq);

    expect((await client.ack('feedback', { requestId, questionId: 'never-asked', answer: 'x' })).error.code).toBe('NOT_FOUND');
    expect(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'go ahead' })).toEqual({ ok: true });
    expect((await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'again' })).error.code).toBe('CONFLICT');

    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(done.status).toBe('completed');
    expect(client.events(requestId).find((m) => m.seq === question.seq + 1)).toMatchObject({ type: 'status', status: 'running', questionId: question.questionId });
    expect((await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'late' })).error.code).toBe('CONFLICT');
  });

  it('commands on one socket are carried out in the order sent: a cancel right after start finds the request', async () => {
    const requestId = newRequestId();
    const client = await connect(newUser());
    const [started, cancelled] = await Promise.all([
      client.ack('start', { requestId, userQuery: 'start then cancel', context: demoContext({ steps: 10, stepDelayMs: 200 }) }),
      client.ack('cancel', { requestId }),
    ]);
    expect(started).toMatchObject({ ok: true, status: 'queued' });
    expect(cancelled).toEqual({ ok: true, status: 'cancelling' });
    expect((await client.waitFor('request.completed', (m) => m.requestId === requestId, 3000)).status).toBe('cancelled');
  });

  it('text that Postgres jsonb would refuse (emoji cut by the demo, NUL, lone surrogates) is carried unchanged', async () => {
    const requestId = newRequestId();
    const client = await connect(newUser());
    const context = { ...demoContext({ steps: 1, askAtStep: 1 }), note: 'nul\u0000here', lone: 'a\ud800b' };
    const userQuery = `${'a'.repeat(38)}😀${'b'.repeat(10)}`;
    expect(await client.ack('start', { requestId, userQuery, context })).toMatchObject({ ok: true });
    const question = await client.waitFor('question', (m) => m.requestId === requestId);
    expect(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'yes\u0000really' })).toEqual({ ok: true });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(done.status).toBe('completed');
    const answered = client.events(requestId).find((m) => m.type === 'progress' && (m.data as { answer?: string }).answer !== undefined);
    expect((answered as unknown as { data: { answer: string } }).data.answer).toBe('yes\u0000really');
    expect((await client.ack('start', { requestId: newRequestId(), userQuery: 'nul\u0000' })).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'userQuery' })],
    });
  });

  it('failAtStep ends the run failed, with an error first', async () => {
    const requestId = newRequestId();
    const client = await connect(newUser());
    await client.ack('start', { requestId, userQuery: 'fail', context: demoContext({ steps: 3, failAtStep: 2 }) });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(done).toMatchObject({ status: 'failed', error: expect.anything() });
    const error = client.events(requestId).find((m) => m.type === 'error');
    expect(error).toMatchObject({ agent: 'executor-agent', step: 2, message: expect.any(String) });
    expect(error!.seq).toBeLessThan(done.seq);
  });
});
