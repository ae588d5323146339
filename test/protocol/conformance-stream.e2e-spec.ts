/**
 * docs/protocol.md §1 "Server → client" (recorded messages, seq, ts, field sets,
 * state, rejoin, leave) and §4 (the demo agents' knobs and what a run sends).
 */
import { Client, RECORDED_TYPES, expectFailure, expectGapFree, expectRecordedShape, isIsoTs, rid, sleep, uid } from './client';
import { demo, productUnderTest } from './product';

describe('PROTOCOL §1 stream and §4 demo runs', () => {
  const { connect } = productUnderTest();
  async function run(client: Client, d: Record<string, number>, userQuery = 'a demo run') {
    const requestId = rid('st');
    const startedAt = Date.now();
    const ack = await client.ack('start', { requestId, userQuery, context: demo(d) });
    expect(ack).toEqual({ ok: true, requestId, status: 'queued' });
    return { requestId, startedAt };
  }
  /** Every live message of a request on one connection, with its event name. */
  const stream = (client: Client, requestId: string) => client.received.filter((r) => r.event !== 'state' && r.message?.requestId === requestId);
  const seqOf = (msgs: any[], pred: (m: any) => boolean) => msgs.find(pred)?.seq as number;

  describe('a completed demo run, as the starter sees it', () => {
    let client: Client;
    let requestId: string;
    let completed: any;
    const steps = 4;
    beforeAll(async () => {
      client = await connect(uid());
      ({ requestId } = await run(client, { steps }));
      completed = await client.done(requestId);
      await sleep(150);
    });

    it('every message: event name = type, requestId, integer seq, ts = new Date(ts).toISOString(); per-type fields', () => {
      const msgs = stream(client, requestId);
      expect(msgs.length).toBeGreaterThan(0);
      for (const { event, message } of msgs) expectRecordedShape(event, message, requestId);
    });

    it('seq runs 1..n, increasing by exactly 1, the last one is request.completed', () => {
      const seqs = client.live(requestId).map((m) => m.seq);
      expectGapFree(seqs);
      expect(completed.seq).toBe(Math.max(...seqs));
      expect(client.of('state')).toEqual([]);
    });

    it('a status queued is recorded (start accepted)', () => {
      const queued = client.of('status', requestId).filter((m) => m.status === 'queued');
      expect(queued).toHaveLength(1);
    });

    it('thought-agent reports progress and ends with agent.completed data.plan (the steps)', () => {
      const msgs = client.live(requestId);
      const thought = msgs.filter((m) => m.agent === 'thought-agent');
      expect(thought.some((m) => m.type === 'progress')).toBe(true);
      const done = thought.filter((m) => m.type === 'agent.completed');
      expect(done).toHaveLength(1);
      expect(Array.isArray(done[0].data.plan)).toBe(true);
      expect(done[0].data.plan).toHaveLength(steps);
      expect(Math.max(...thought.map((m) => m.seq))).toBe(done[0].seq);
    });

    it('executor-agent: each step running then completed, in order, then agent.completed, then request.completed', () => {
      const msgs = client.live(requestId);
      const exec = msgs.filter((m) => m.agent === 'executor-agent');
      const thoughtDone = seqOf(msgs, (m) => m.agent === 'thought-agent' && m.type === 'agent.completed');
      let previousCompleted = thoughtDone;
      for (let step = 1; step <= steps; step++) {
        const running = exec.filter((m) => m.type === 'progress' && m.step === step && m.status === 'running');
        const done = exec.filter((m) => m.type === 'progress' && m.step === step && m.status === 'completed');
        expect(running.length).toBeGreaterThanOrEqual(1);
        expect(done).toHaveLength(1);
        expect(running[0].seq).toBeGreaterThan(previousCompleted);
        expect(Math.max(...running.map((m) => m.seq))).toBeLessThan(done[0].seq);
        previousCompleted = done[0].seq;
      }
      const execDone = exec.filter((m) => m.type === 'agent.completed');
      expect(execDone).toHaveLength(1);
      expect(execDone[0].seq).toBeGreaterThan(previousCompleted);
      expect(completed.seq).toBeGreaterThan(execDone[0].seq);
      expect(completed.status).toBe('completed');
      expect(exec.filter((m) => m.type === 'progress' && m.status === 'failed')).toEqual([]);
    });

    it('progress.step is data.stepOrder when present, else data.step; every executor step has one', () => {
      for (const m of client.of('progress', requestId).filter((p) => p.agent === 'executor-agent')) expect(typeof m.step).toBe('number');
      for (const m of client.of('progress', requestId)) {
        const expected = m.data?.stepOrder ?? m.data?.step;
        if (expected !== undefined) expect(m.step).toBe(expected);
      }
    });

    it('a late joiner gets a state that is the fold of those messages', async () => {
      const late = await connect(uid('admin'), { requestId, roles: ['admin'] });
      const state = await late.waitFor('state');
      expect(state).toMatchObject({ type: 'state', requestId, seq: completed.seq, status: 'completed', userQuery: 'a demo run', pendingQuestions: [] });
      expect(isIsoTs(state.createdAt) && isIsoTs(state.updatedAt)).toBe(true);
      if ('result' in completed) expect(state.result).toEqual(completed.result);
      expect('error' in state && state.error !== undefined && state.error !== null).toBe(false);
      for (const a of state.agents) {
        expect(['running', 'completed', 'failed']).toContain(a.status);
        expect(Object.keys(a).every((k) => ['agent', 'status', 'data'].includes(k))).toBe(true);
      }
      const thought = state.agents.find((a: any) => a.agent === 'thought-agent');
      expect(thought.status).toBe('completed');
      const execSteps = state.steps.filter((s: any) => s.agent === 'executor-agent').sort((a: any, b: any) => a.step - b.step);
      expect(execSteps.map((s: any) => [s.step, s.status])).toEqual(Array.from({ length: steps }, (_, i) => [i + 1, 'completed']));
      for (const s of state.steps) expect(Object.keys(s).every((k) => ['agent', 'step', 'stepId', 'status', 'tool', 'result', 'error', 'title', 'output', 'outputTruncated'].includes(k))).toBe(true);
    });
  });

  describe('§4 knobs', () => {
    it('stepDelayMs paces the executor steps', async () => {
      const client = await connect(uid());
      const { requestId } = await run(client, { steps: 3, stepDelayMs: 200 });
      await client.done(requestId);
      const exec = client.live(requestId).filter((m) => m.agent === 'executor-agent' && m.type === 'progress');
      const firstRunning = exec.find((m) => m.status === 'running');
      const lastDone = [...exec].reverse().find((m) => m.status === 'completed');
      expect(Date.parse(lastDone.ts) - Date.parse(firstRunning.ts)).toBeGreaterThanOrEqual(3 * 200 * 0.8);
    });

    it('failAtStep: step n failed, then error {agent, message, step}, then request.completed failed with error; no later step', async () => {
      const client = await connect(uid());
      const { requestId } = await run(client, { steps: 4, failAtStep: 2 });
      const completed = await client.done(requestId);
      await sleep(100);
      const msgs = client.live(requestId);
      expectGapFree(msgs.map((m) => m.seq));
      const failed = msgs.filter((m) => m.type === 'progress' && m.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ agent: 'executor-agent', step: 2 });
      const errors = client.of('error', requestId);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toEqual(expect.objectContaining({ agent: 'executor-agent', message: expect.any(String), step: 2 }));
      expect(errors[0].seq).toBeGreaterThan(failed[0].seq);
      expect(completed.status).toBe('failed');
      expect(completed.error).toBeDefined();
      expect(completed.seq).toBeGreaterThan(errors[0].seq);
      expect(msgs.filter((m) => m.type === 'progress' && m.agent === 'executor-agent' && m.step > 2)).toEqual([]);
      const step1 = msgs.filter((m) => m.type === 'progress' && m.agent === 'executor-agent' && m.step === 1).map((m) => m.status);
      expect(step1).toContain('completed');

      const late = await connect(uid('admin'), { requestId, roles: ['admin'] });
      const state = await late.waitFor('state');
      expect(state.status).toBe('failed');
      expect(state.error).toBeDefined();
      expect(state.seq).toBe(completed.seq);
      expect(state.steps.find((s: any) => s.agent === 'executor-agent' && s.step === 2).status).toBe('failed');
    });

    it('askAtStep: question while step n runs, state waiting with the pending question, resumes on the answer', async () => {
      const user = uid();
      const client = await connect(user);
      const { requestId } = await run(client, { steps: 3, askAtStep: 2, questionTimeoutMs: 20_000 });
      const question = await client.waitFor('question', (m) => m.requestId === requestId);
      expect(question.agent).toBe('executor-agent');
      expect(typeof question.questionId).toBe('string');
      expect(typeof question.prompt).toBe('string');
      const msgs = client.live(requestId);
      const step2Running = msgs.find((m) => m.type === 'progress' && m.agent === 'executor-agent' && m.step === 2 && m.status === 'running');
      expect(step2Running).toBeDefined();
      expect(step2Running.seq).toBeLessThan(question.seq);
      expect(msgs.some((m) => m.type === 'progress' && m.step === 2 && m.status === 'completed')).toBe(false);

      await sleep(100);
      const other = await connect(user);
      expect(await other.ack('rejoin', { requestId })).toMatchObject({ ok: true });
      const state = await other.waitFor('state');
      expect(state.status).toBe('waiting');
      expect(state.pendingQuestions).toHaveLength(1);
      const pending = state.pendingQuestions[0];
      expect(pending).toMatchObject({ agent: question.agent, questionId: question.questionId, prompt: question.prompt });
      if (question.options !== undefined) expect(pending.options).toEqual(question.options);
      expect(Object.keys(pending).every((k) => ['agent', 'questionId', 'prompt', 'options'].includes(k))).toBe(true);

      expect(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'go on' })).toEqual({ ok: true });
      const running = await client.waitFor('status', (m) => m.requestId === requestId && m.seq > question.seq);
      expect(running.status).toBe('running');
      const completed = await client.done(requestId);
      expect(completed.status).toBe('completed');
      const after = client.live(requestId);
      const step2Done = after.find((m) => m.type === 'progress' && m.step === 2 && m.status === 'completed' && m.agent === 'executor-agent');
      expect(step2Done.seq).toBeGreaterThan(running.seq);
      expectGapFree(after.map((m) => m.seq));
      // the second socket (rejoined) got the rest live, from state.seq + 1
      expectGapFree(other.live(requestId).map((m) => m.seq), state.seq + 1);
      const finalState = await (async () => {
        await other.ack('rejoin', { requestId });
        return other.waitFor('state', (s) => s.status === 'completed');
      })();
      expect(finalState.pendingQuestions).toEqual([]);
    });

    it('cancel: ack cancelling, a status cancelling, no new step, request.completed cancelled within 2 s of the ack', async () => {
      const client = await connect(uid());
      const { requestId } = await run(client, { steps: 5, stepDelayMs: 1000 });
      await client.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent' && m.status === 'running');
      const ack = await client.ack('cancel', { requestId });
      const ackAt = Date.now();
      expect(ack).toEqual({ ok: true, status: 'cancelling' });
      const completed = await client.done(requestId, 3000);
      expect(Date.now() - ackAt).toBeLessThanOrEqual(2000);
      expect(completed.status).toBe('cancelled');
      await sleep(100);
      const msgs = client.live(requestId);
      expectGapFree(msgs.map((m) => m.seq));
      const cancelling = msgs.filter((m) => m.type === 'status' && m.status === 'cancelling');
      expect(cancelling).toHaveLength(1);
      const stepsBefore = msgs.filter((m) => m.seq < cancelling[0].seq && m.type === 'progress' && m.agent === 'executor-agent').map((m) => m.step);
      const newSteps = msgs.filter((m) => m.seq > cancelling[0].seq && m.type === 'progress' && m.status === 'running' && !stepsBefore.includes(m.step));
      expect(newSteps).toEqual([]);
      expect(msgs[msgs.length - 1].type).toBe('request.completed');
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelled' });
      const late = await connect(uid('admin'), { requestId, roles: ['admin'] });
      expect((await late.waitFor('state')).status).toBe('cancelled');
    });

    it('cancel while waiting on a question ends cancelled within 2 s', async () => {
      const client = await connect(uid());
      const { requestId } = await run(client, { steps: 2, askAtStep: 1, questionTimeoutMs: 30_000 });
      await client.waitFor('question', (m) => m.requestId === requestId);
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
      const ackAt = Date.now();
      expect((await client.done(requestId, 3000)).status).toBe('cancelled');
      expect(Date.now() - ackAt).toBeLessThanOrEqual(2000);
      const late = await connect(uid('admin'), { requestId, roles: ['admin'] });
      expect((await late.waitFor('state')).pendingQuestions).toEqual([]);
    });
  });

  describe('rejoin', () => {
    it('with lastSeq: state.events = exactly the messages after lastSeq, shaped like the live ones; ack seq = state seq', async () => {
      const user = uid();
      const live = await connect(user);
      const { requestId } = await run(live, { steps: 3 });
      const completed = await live.done(requestId);
      await sleep(100);
      const all = live.live(requestId);
      for (const lastSeq of [0, 3, completed.seq - 1, completed.seq, completed.seq + 50]) {
        const c = await connect(user);
        const ack = await c.ack('rejoin', { requestId, lastSeq });
        const state = await c.waitFor('state');
        expect(ack).toEqual({ ok: true, seq: state.seq });
        expect(state.seq).toBe(completed.seq);
        expect(state.events).toEqual(all.filter((m) => m.seq > lastSeq));
        expect('truncated' in state).toBe(false);
        c.close();
      }
    });

    it('without lastSeq: no events field', async () => {
      const user = uid();
      const live = await connect(user);
      const { requestId } = await run(live, { steps: 1 });
      await live.done(requestId);
      const c = await connect(user);
      await c.ack('rejoin', { requestId });
      const state = await c.waitFor('state');
      expect('events' in state).toBe(false);
    });

    it('of an id that does not exist: joins, state unknown with events [] when lastSeq given, ack seq 0; then sees its start', async () => {
      const user = uid();
      const c = await connect(user);
      const requestId = rid('st');
      expect(await c.ack('rejoin', { requestId, lastSeq: 0 })).toEqual({ ok: true, seq: 0 });
      const state = await c.waitFor('state');
      expect(state).toEqual(expect.objectContaining({ type: 'state', requestId, seq: 0, status: 'unknown', agents: [], steps: [], pendingQuestions: [], events: [] }));
      const starter = await connect(user);
      await starter.ack('start', { requestId, userQuery: 'started elsewhere', context: demo({ steps: 1 }) });
      await c.done(requestId);
      expectGapFree(c.live(requestId).map((m) => m.seq));
    });

    it('mid-run: after the state, no live message with seq ≤ state.seq, the rest each once in order', async () => {
      const user = uid();
      const starter = await connect(user);
      const { requestId } = await run(starter, { steps: 6, stepDelayMs: 40 });
      const joiners: Array<{ c: Client; lastSeq: number }> = [];
      for (let i = 0; i < 5; i++) {
        await sleep(60);
        const lastSeq = Math.max(0, ...starter.live(requestId).map((m) => m.seq)) - 1;
        const c = await connect(user);
        void c.ack('rejoin', { requestId, lastSeq: Math.max(0, lastSeq) });
        joiners.push({ c, lastSeq: Math.max(0, lastSeq) });
      }
      const completed = await starter.done(requestId);
      await sleep(200);
      const all = starter.live(requestId);
      expectGapFree(all.map((m) => m.seq));
      for (const { c, lastSeq } of joiners) {
        const [state] = c.states(requestId);
        expect(state).toBeDefined();
        const live = c.live(requestId);
        for (const m of live) expect(m.seq).toBeGreaterThan(state.seq);
        expectGapFree(live.map((m) => m.seq), state.seq + 1);
        const seen = [...state.events, ...live];
        expect(seen).toEqual(all.filter((m) => m.seq > lastSeq));
        expect(Math.max(...seen.map((m) => m.seq))).toBe(completed.seq);
      }
    });

    it('admin may rejoin any request', async () => {
      const owner = await connect(uid());
      const { requestId } = await run(owner, { steps: 1 });
      await owner.done(requestId);
      const admin = await connect(uid('admin'), { roles: ['admin'] });
      const ack = await admin.ack('rejoin', { requestId, lastSeq: 0 });
      const state = await admin.waitFor('state');
      expect(ack).toEqual({ ok: true, seq: state.seq });
      expect(state.events).toEqual(owner.live(requestId));
    });
  });

  describe('leave', () => {
    it('stops delivery of that request to the socket', async () => {
      const user = uid();
      const starter = await connect(user);
      const { requestId } = await run(starter, { steps: 5, stepDelayMs: 60 });
      await starter.waitFor('progress', (m) => m.requestId === requestId);
      expect(await starter.ack('leave', { requestId })).toEqual({ ok: true });
      const countAtLeave = starter.live(requestId).length;
      const watcher = await connect(user, { requestId });
      await watcher.done(requestId);
      await sleep(150);
      expect(starter.live(requestId)).toHaveLength(countAtLeave);
      expect(starter.of('request.completed', requestId)).toEqual([]);
    });

    it("leave of a room one never joined (another user's request) does not open it", async () => {
      const owner = await connect(uid());
      const { requestId } = await run(owner, { steps: 2 });
      const other = await connect(uid());
      const ack = await other.ack('leave', { requestId });
      if (ack.ok === false) expectFailure(ack, 'FORBIDDEN');
      await owner.done(requestId);
      expect(other.live(requestId)).toEqual([]);
    });
  });

  it('leave, then rejoin: the room is joined again', async () => {
    const user = uid();
    const c = await connect(user);
    const { requestId } = await run(c, { steps: 4, stepDelayMs: 60 });
    await c.waitFor('progress', (m) => m.requestId === requestId);
    expect(await c.ack('leave', { requestId })).toEqual({ ok: true });
    await sleep(150);
    const seen = Math.max(...c.live(requestId).map((m) => m.seq));
    const ack = await c.ack('rejoin', { requestId, lastSeq: seen });
    const state = await c.waitFor('state');
    expect(ack).toEqual({ ok: true, seq: state.seq });
    const done = await c.done(requestId);
    const after = c.received.slice(c.received.findIndex((r) => r.event === 'state')).filter((r) => r.event !== 'state').map((r) => r.message.seq);
    expect([...state.events.map((m: any) => m.seq), ...after]).toEqual(Array.from({ length: done.seq - seen }, (_, i) => seen + 1 + i));
  });

  describe('several watchers', () => {
    it('the starter, a handshake watcher and an admin see the same messages', async () => {
      const user = uid();
      const starter = await connect(user);
      const requestId = rid('st');
      const early = await connect(user, { requestId });
      await early.waitFor('state');
      const admin = await connect(uid('admin'), { requestId, roles: ['admin'] });
      await admin.waitFor('state');
      await starter.ack('start', { requestId, userQuery: 'many eyes', context: demo({ steps: 3 }) });
      await Promise.all([starter.done(requestId), early.done(requestId), admin.done(requestId)]);
      await sleep(100);
      const ref = starter.live(requestId);
      expectGapFree(ref.map((m) => m.seq));
      expect(early.live(requestId)).toEqual(ref);
      expect(admin.live(requestId)).toEqual(ref);
      for (const type of RECORDED_TYPES) expect(starter.of(type, requestId).every((m) => m.type === type)).toBe(true);
    });
  });
});
