/**
 * docs/protocol.md §1 "Client → server": ack shapes, failure acks, validation and
 * its details, the order of checks, `type`, commands without a callback,
 * sizes, start idempotence, feedback and cancel rules, the default rate limit,
 * and the §2 `agent.commands` bodies those commands produce.
 */
import { Broker, Client, REQUEST_STATUSES, expectFailure, expectGapFree, expectValidation, rid, sleep, uid } from './client';
import { demo, productUnderTest } from './product';

describe('PROTOCOL §1 commands', () => {
  const { connect } = productUnderTest();
  let broker: Broker;
  /** A request owned by `user`, started on `client`, waiting on a question at step 1. */
  async function waitingRequest(client: Client, extra: Record<string, number> = {}) {
    const requestId = rid('cmd');
    expect(await client.ack('start', { requestId, userQuery: 'ask me', context: demo({ steps: 2, askAtStep: 1, ...extra }) })).toMatchObject({ ok: true });
    const question = await client.waitFor('question', (m) => m.requestId === requestId);
    return { requestId, question };
  }

  beforeAll(async () => {
    broker = await Broker.connect({ spyCommands: true });
  });
  afterAll(async () => {
    await broker?.close();
  });

  describe('success acks, exactly as the table says', () => {
    it('start → { ok, requestId, status: queued }; request.start { requestId, userQuery, context, owner } once', async () => {
      const user = uid();
      const client = await connect(user);
      const requestId = rid('cmd');
      const context = { demo: { steps: 1, stepDelayMs: 10 }, nested: { a: [1, 'two', { three: null }] }, unicode: 'héllo ✓' };
      const ack = await client.ack('start', { requestId, userQuery: 'shape of start', context });
      expect(ack).toEqual({ ok: true, requestId, status: 'queued' });
      await client.done(requestId);
      const starts = broker.commandsFor(requestId, 'request.start');
      expect(starts).toHaveLength(1);
      expect(starts[0].body).toEqual({ requestId, userQuery: 'shape of start', context, owner: user });
    });

    it('cancel → { ok, status: cancelling }; request.cancel { requestId }', async () => {
      const client = await connect(uid());
      const requestId = rid('cmd');
      await client.ack('start', { requestId, userQuery: 'cancel me', context: demo({ steps: 5, stepDelayMs: 500 }) });
      await client.waitFor('progress', (m) => m.requestId === requestId);
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
      const completed = await client.done(requestId, 5000);
      expect(completed.status).toBe('cancelled');
      const cancels = broker.commandsFor(requestId, 'request.cancel');
      expect(cancels.length).toBeGreaterThanOrEqual(1);
      expect(cancels[0].body).toEqual({ requestId });
      // a second cancel after it ended acks the final status
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelled' });
    });

    it('cancel of a request that already completed acks { ok, status: completed }', async () => {
      const client = await connect(uid());
      const requestId = rid('cmd');
      await client.ack('start', { requestId, userQuery: 'quick', context: demo({ steps: 1 }) });
      await client.done(requestId);
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'completed' });
    });

    it('feedback → { ok: true }; request.feedback { requestId, questionId, answer }; a status running follows', async () => {
      const client = await connect(uid());
      const { requestId, question } = await waitingRequest(client);
      const answer = 'y'.repeat(10_000); // the limit itself is accepted
      expect(await client.ack('feedback', { requestId, questionId: question.questionId, answer })).toEqual({ ok: true });
      await client.waitFor('status', (m) => m.requestId === requestId && m.status === 'running' && m.seq > question.seq);
      expect((await client.done(requestId)).status).toBe('completed');
      const feedbacks = broker.commandsFor(requestId, 'request.feedback');
      expect(feedbacks).toHaveLength(1);
      expect(feedbacks[0].body).toEqual({ requestId, questionId: question.questionId, answer });
    });

    it('rejoin → { ok, seq }; leave → { ok }', async () => {
      const client = await connect(uid());
      const requestId = rid('cmd');
      expect(await client.ack('rejoin', { requestId })).toEqual({ ok: true, seq: 0 });
      expect(await client.ack('leave', { requestId })).toEqual({ ok: true });
    });
  });

  describe('VALIDATION_FAILED', () => {
    const events = ['start', 'cancel', 'feedback', 'rejoin', 'leave'];
    const notObjects: Array<[string, unknown]> = [
      ['null', null],
      ['a string', 'cancel'],
      ['a number', 42],
      ['an array', [{ requestId: 'x' }]],
      ['true', true],
    ];
    for (const event of events) {
      it.each(notObjects)(`${event}: payload %s`, async (_name, payload) => {
        const client = await connect(uid());
        expectFailure(await client.ack(event, payload), 'VALIDATION_FAILED');
        expect(client.socket.connected).toBe(true);
      });
    }

    it.each(events)('%s without any payload (only the callback)', async (event) => {
      const client = await connect(uid());
      const ack = await client.socket.timeout(5000).emitWithAck(event);
      expectFailure(ack, 'VALIDATION_FAILED');
    });

    const valid = (requestId: string): Record<string, Record<string, unknown>> => ({
      start: { requestId, userQuery: 'q', context: demo({ steps: 1 }) },
      cancel: { requestId },
      feedback: { requestId, questionId: 'q-1', answer: 'a' },
      rejoin: { requestId, lastSeq: 0 },
      leave: { requestId },
    });

    it.each(events)('%s: an unknown field is refused and named in details', async (event) => {
      const client = await connect(uid());
      const ack = await client.ack(event, { ...valid(rid('cmd'))[event], surplusField: 1 });
      expectValidation(ack, 'surplusField');
    });

    it.each(events)('%s: a missing requestId is named in details', async (event) => {
      const client = await connect(uid());
      const { requestId: _drop, ...rest } = valid('x')[event];
      expectValidation(await client.ack(event, rest), 'requestId');
    });

    const badIds: Array<[string, unknown]> = [
      ['empty', ''],
      ['starting with a dash', '-abc'],
      ['with a space', 'a b'],
      ['with a slash', 'a/b'],
      ['129 chars', 'a'.repeat(129)],
      ['a number', 123],
    ];
    for (const event of events) {
      it.each(badIds)(`${event}: requestId %s`, async (_name, requestId) => {
        const client = await connect(uid());
        expectValidation(await client.ack(event, { ...valid('x')[event], requestId }), 'requestId');
      });
    }

    it('requestId of 128 chars with every allowed character is accepted', async () => {
      const client = await connect(uid());
      const requestId = ('A9._:-' + 'z'.repeat(200)).slice(0, 128);
      expect(await client.ack('rejoin', { requestId })).toEqual({ ok: true, seq: 0 });
    });

    it('type equal to the event name is accepted, any other type is VALIDATION_FAILED', async () => {
      const client = await connect(uid());
      const requestId = rid('cmd');
      expect(await client.ack('rejoin', { type: 'rejoin', requestId })).toEqual({ ok: true, seq: 0 });
      expect(await client.ack('leave', { type: 'leave', requestId })).toEqual({ ok: true });
      expectValidation(await client.ack('leave', { type: 'cancel', requestId }), 'type');
      expectValidation(await client.ack('rejoin', { type: 'start', requestId }), 'type');
      expectValidation(await client.ack('cancel', { type: 7, requestId }), 'type');
      expectValidation(await client.ack('start', { type: 'cancel', requestId, userQuery: 'q' }), 'type');
      const ack = await client.ack('start', { type: 'start', requestId, userQuery: 'typed start', context: demo({ steps: 1 }) });
      expect(ack).toEqual({ ok: true, requestId, status: 'queued' });
      await client.done(requestId);
      expect(await client.ack('cancel', { type: 'cancel', requestId })).toEqual({ ok: true, status: 'completed' });
    });

    it('start: userQuery empty, not a string, 10001 chars → refused; 10000 chars → accepted', async () => {
      const client = await connect(uid());
      expectValidation(await client.ack('start', { requestId: rid('cmd'), userQuery: '' }), 'userQuery');
      expectValidation(await client.ack('start', { requestId: rid('cmd'), userQuery: 5 }), 'userQuery');
      expectValidation(await client.ack('start', { requestId: rid('cmd') }), 'userQuery');
      expectValidation(await client.ack('start', { requestId: rid('cmd'), userQuery: 'x'.repeat(10_001) }), 'userQuery');
      const requestId = rid('cmd');
      expect(await client.ack('start', { requestId, userQuery: 'x'.repeat(10_000), context: demo({ steps: 1 }) })).toEqual({ ok: true, requestId, status: 'queued' });
      await client.done(requestId);
    });

    it('start: context not an object → refused', async () => {
      const client = await connect(uid());
      expectValidation(await client.ack('start', { requestId: rid('cmd'), userQuery: 'q', context: 'ctx' }), 'context');
      expectValidation(await client.ack('start', { requestId: rid('cmd'), userQuery: 'q', context: 12 }), 'context');
    });

    it('start: context of exactly 64 KiB of UTF-8 JSON is accepted, one byte more is refused (bytes, not characters)', async () => {
      const client = await connect(uid());
      const sized = (bytes: number, unit = 'x') => {
        const ctx = { demo: { steps: 1, stepDelayMs: 10 }, pad: '' };
        const base = Buffer.byteLength(JSON.stringify(ctx));
        const unitBytes = Buffer.byteLength(unit);
        ctx.pad = unit.repeat(Math.floor((bytes - base) / unitBytes)) + 'x'.repeat((bytes - base) % unitBytes);
        expect(Buffer.byteLength(JSON.stringify(ctx))).toBe(bytes);
        return ctx;
      };
      const atLimit = rid('cmd');
      expect(await client.ack('start', { requestId: atLimit, userQuery: 'q', context: sized(65_536) })).toEqual({ ok: true, requestId: atLimit, status: 'queued' });
      expectValidation(await client.ack('start', { requestId: rid('cmd'), userQuery: 'q', context: sized(65_537) }), 'context');
      // 2-byte characters: fewer than 64 Ki characters, more than 64 KiB
      const wide = sized(65_538, 'é');
      expect(JSON.stringify(wide).length).toBeLessThan(65_536);
      expectValidation(await client.ack('start', { requestId: rid('cmd'), userQuery: 'q', context: wide }), 'context');
      await client.done(atLimit);
      // the one accepted start reached the agents with the context unchanged
      expect(broker.commandsFor(atLimit, 'request.start')[0].body.context).toEqual(sized(65_536));
    });

    it('a frame just under 1 MiB is read and answered VALIDATION_FAILED, the socket stays', async () => {
      const client = await connect(uid());
      const ack = await client.ack('start', { requestId: rid('cmd'), userQuery: 'q', context: { pad: 'x'.repeat(1_040_000) } });
      expectValidation(ack, 'context');
      expect(client.socket.connected).toBe(true);
      expect(await client.ack('rejoin', { requestId: rid('cmd') })).toMatchObject({ ok: true });
    });

    it('feedback: questionId missing or not a string, answer not a string or 10001 chars → refused', async () => {
      const client = await connect(uid());
      const requestId = rid('cmd');
      expectValidation(await client.ack('feedback', { requestId, answer: 'a' }), 'questionId');
      expectValidation(await client.ack('feedback', { requestId, questionId: 3, answer: 'a' }), 'questionId');
      expectValidation(await client.ack('feedback', { requestId, questionId: 'q' }), 'answer');
      expectValidation(await client.ack('feedback', { requestId, questionId: 'q', answer: 3 }), 'answer');
      expectValidation(await client.ack('feedback', { requestId, questionId: 'q', answer: 'a'.repeat(10_001) }), 'answer');
    });

    it('rejoin: lastSeq negative, fractional or a string → refused', async () => {
      const client = await connect(uid());
      const requestId = rid('cmd');
      expectValidation(await client.ack('rejoin', { requestId, lastSeq: -1 }), 'lastSeq');
      expectValidation(await client.ack('rejoin', { requestId, lastSeq: 1.5 }), 'lastSeq');
      expectValidation(await client.ack('rejoin', { requestId, lastSeq: '3' }), 'lastSeq');
      expect(client.of('state')).toEqual([]);
    });

    it('details lists each bad field', async () => {
      const client = await connect(uid());
      const ack = await client.ack('start', { requestId: '', userQuery: '', context: 'x' });
      expectValidation(ack);
      const details = JSON.stringify(ack.error.details);
      for (const field of ['requestId', 'userQuery', 'context']) expect(details).toContain(field);
    });
  });

  describe('order of checks: validation, then FORBIDDEN, then NOT_FOUND / CONFLICT', () => {
    let ownerClient: Client;
    let requestId: string;
    let questionId: string;
    beforeAll(async () => {
      ownerClient = await connect(uid());
      ({ requestId, question: { questionId } } = await waitingRequest(ownerClient, { questionTimeoutMs: 20_000 }));
    });
    afterAll(async () => {
      await ownerClient.ack('cancel', { requestId });
    });

    it("an invalid payload for someone else's request is VALIDATION_FAILED", async () => {
      const other = await connect(uid());
      expectValidation(await other.ack('cancel', { requestId, extra: true }), 'extra');
      expectValidation(await other.ack('feedback', { requestId, questionId, answer: 42 }), 'answer');
      expectValidation(await other.ack('start', { requestId, userQuery: '' }), 'userQuery');
      expectValidation(await other.ack('rejoin', { requestId, lastSeq: -5 }), 'lastSeq');
      expectValidation(await other.ack('feedback', { requestId, questionId, answer: 'n'.repeat(10_001) }), 'answer');
    });

    it("another user's cancel / feedback / rejoin → FORBIDDEN (before NOT_FOUND for a never-asked question)", async () => {
      const other = await connect(uid());
      expectFailure(await other.ack('cancel', { requestId }), 'FORBIDDEN');
      expectFailure(await other.ack('feedback', { requestId, questionId, answer: 'no' }), 'FORBIDDEN');
      expectFailure(await other.ack('feedback', { requestId, questionId: 'never-asked', answer: 'no' }), 'FORBIDDEN');
      expectFailure(await other.ack('rejoin', { requestId }), 'FORBIDDEN');
      expectFailure(await other.ack('rejoin', { requestId, lastSeq: 0 }), 'FORBIDDEN');
      await sleep(200);
      expect(other.of('state')).toEqual([]);
      expect(other.live(requestId)).toEqual([]);
      expect(other.socket.connected).toBe(true);
    });

    it("start of someone else's id → CONFLICT; the run is untouched", async () => {
      const other = await connect(uid());
      expectFailure(await other.ack('start', { requestId, userQuery: 'mine now' }), 'CONFLICT');
      const state = await (async () => {
        const c = await connect(uid('admin'), { roles: ['admin'] });
        await c.ack('rejoin', { requestId });
        return c.waitFor('state', (s) => s.requestId === requestId);
      })();
      expect(state.userQuery).toBe('ask me');
      expect(broker.commandsFor(requestId, 'request.start')).toHaveLength(1);
    });

    it('feedback with a questionId never asked on that request → NOT_FOUND', async () => {
      expectFailure(await ownerClient.ack('feedback', { requestId, questionId: 'never-asked', answer: 'x' }), 'NOT_FOUND');
    });

    it('cancel / feedback of a request that does not exist → NOT_FOUND', async () => {
      const client = await connect(uid());
      expectFailure(await client.ack('cancel', { requestId: rid('missing') }), 'NOT_FOUND');
      expectFailure(await client.ack('feedback', { requestId: rid('missing'), questionId: 'q', answer: 'a' }), 'NOT_FOUND');
    });
  });

  describe('start idempotence', () => {
    it('the owner starting twice: one run, one request.start, the second ack carries the current status', async () => {
      const user = uid();
      const client = await connect(user);
      const requestId = rid('cmd');
      const payload = { requestId, userQuery: 'twice', context: demo({ steps: 2 }) };
      expect(await client.ack('start', payload)).toEqual({ ok: true, requestId, status: 'queued' });
      const second = await client.ack('start', payload);
      expect(second).toEqual({ ok: true, requestId, status: expect.any(String) });
      expect(REQUEST_STATUSES).toContain(second.status);
      await client.done(requestId);
      // from another socket of the owner, after it ended
      const again = await connect(user);
      expect(await again.ack('start', payload)).toEqual({ ok: true, requestId, status: 'completed' });
      await sleep(500);
      expect(broker.commandsFor(requestId, 'request.start')).toHaveLength(1);
      expect(client.of('request.completed', requestId)).toHaveLength(1);
      expectGapFree(client.live(requestId).map((m) => m.seq));
      expect(client.of('state')).toEqual([]); // start sends no state
    });
  });

  describe('concurrency', () => {
    it('two sockets of the owner starting at once: both ok, one run; the owner and another user at once: one ok, one CONFLICT', async () => {
      const user = uid();
      const a = await connect(user);
      const b = await connect(user);
      const stranger = await connect(uid());
      const requestId = rid('cmd');
      const payload = { requestId, userQuery: 'race', context: demo({ steps: 1 }) };
      const acks = await Promise.all([a.ack('start', payload), b.ack('start', payload)]);
      for (const ack of acks) expect(ack).toMatchObject({ ok: true, requestId });
      const contested = rid('cmd');
      const both = await Promise.all([a.ack('start', { ...payload, requestId: contested }), stranger.ack('start', { ...payload, requestId: contested })]);
      expect(both.filter((x) => x.ok === true)).toHaveLength(1);
      const loser = both.find((x) => x.ok === false);
      expectFailure(loser, 'CONFLICT');
      await Promise.all([a.done(requestId), a.done(contested).catch(() => stranger.done(contested))]);
      await sleep(300);
      expect(broker.commandsFor(requestId, 'request.start')).toHaveLength(1);
      expect(broker.commandsFor(contested, 'request.start')).toHaveLength(1);
      // both starters are in the room: each sees the run once
      for (const c of [a, b]) expect(c.of('request.completed', requestId)).toHaveLength(1);
    });

    it('two answers to one question at once: one ok, one CONFLICT, one request.feedback', async () => {
      const user = uid();
      const a = await connect(user);
      const b = await connect(user);
      const { requestId, question } = await waitingRequest(a, { stepDelayMs: 100 });
      const acks = await Promise.all([
        a.ack('feedback', { requestId, questionId: question.questionId, answer: 'a' }),
        b.ack('feedback', { requestId, questionId: question.questionId, answer: 'b' }),
      ]);
      expect(acks.filter((x) => x.ok === true)).toEqual([{ ok: true }]);
      expectFailure(acks.find((x) => x.ok === false), 'CONFLICT');
      await a.done(requestId);
      expect(broker.commandsFor(requestId, 'request.feedback')).toHaveLength(1);
      expect(a.of('status', requestId).filter((m) => m.status === 'running')).toHaveLength(1);
    });

    it('start by the owner from another socket mid-run joins the room: live from then on, gap-free, no state', async () => {
      const user = uid();
      const a = await connect(user);
      const requestId = rid('cmd');
      await a.ack('start', { requestId, userQuery: 'join me', context: demo({ steps: 4, stepDelayMs: 60 }) });
      await a.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent');
      const b = await connect(user);
      const ack = await b.ack('start', { requestId, userQuery: 'join me' });
      expect(ack).toEqual({ ok: true, requestId, status: expect.any(String) });
      expect(REQUEST_STATUSES).toContain(ack.status);
      const done = await b.done(requestId);
      const seqs = b.live(requestId).map((m) => m.seq);
      expectGapFree(seqs, seqs[0]);
      expect(seqs[seqs.length - 1]).toBe(done.seq);
      expect(b.of('state')).toEqual([]);
    });
  });

  describe('feedback rules', () => {
    it('a second answer to the same question → CONFLICT', async () => {
      const client = await connect(uid());
      const { requestId, question } = await waitingRequest(client, { stepDelayMs: 300 });
      expect(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'first' })).toEqual({ ok: true });
      expectFailure(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'second' }), 'CONFLICT');
      await client.done(requestId);
      expect(broker.commandsFor(requestId, 'request.feedback')).toHaveLength(1);
    });

    it('any feedback after the request finished → CONFLICT', async () => {
      const client = await connect(uid());
      const { requestId, question } = await waitingRequest(client);
      await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'ok' });
      await client.done(requestId);
      expectFailure(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'late' }), 'CONFLICT');
      expectFailure(await client.ack('feedback', { requestId, questionId: 'never-asked', answer: 'late' }), 'CONFLICT');
    });

    it('an unanswered question of a cancelled request → CONFLICT', async () => {
      const client = await connect(uid());
      const { requestId, question } = await waitingRequest(client, { questionTimeoutMs: 20_000 });
      expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
      expect((await client.done(requestId, 3000)).status).toBe('cancelled');
      expectFailure(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'too late' }), 'CONFLICT');
    });

    it('a question that timed out → CONFLICT, and the run ended failed', async () => {
      const client = await connect(uid());
      const { requestId, question } = await waitingRequest(client, { questionTimeoutMs: 200 });
      const completed = await client.done(requestId, 5000);
      expect(completed.status).toBe('failed');
      expectFailure(await client.ack('feedback', { requestId, questionId: question.questionId, answer: 'late' }), 'CONFLICT');
      const error = client.of('error', requestId);
      expect(error).toHaveLength(1);
      expect(error[0]).toMatchObject({ agent: question.agent, message: expect.any(String) });
      const watcher = await connect(uid('admin'), { requestId, roles: ['admin'] });
      const state = await watcher.waitFor('state');
      expect(state).toMatchObject({ status: 'failed', pendingQuestions: [] });
    });

    it('a question of another request with the same id is not "asked on that request" → NOT_FOUND', async () => {
      const client = await connect(uid());
      const { requestId: asked, question } = await waitingRequest(client, { questionTimeoutMs: 20_000 });
      const other = rid('cmd');
      await client.ack('start', { requestId: other, userQuery: 'no questions', context: demo({ steps: 3, stepDelayMs: 300 }) });
      await client.waitFor('progress', (m) => m.requestId === other);
      expectFailure(await client.ack('feedback', { requestId: other, questionId: question.questionId, answer: 'x' }), 'NOT_FOUND');
      await client.ack('cancel', { requestId: asked });
      await client.ack('cancel', { requestId: other });
    });

    it("an admin may answer and cancel another user's request", async () => {
      const owner = await connect(uid());
      const { requestId, question } = await waitingRequest(owner, { steps: 3, stepDelayMs: 400, questionTimeoutMs: 20_000 });
      const admin = await connect(uid('admin'), { roles: ['admin'] });
      expect(await admin.ack('feedback', { requestId, questionId: question.questionId, answer: 'by admin' })).toEqual({ ok: true });
      await owner.waitFor('status', (m) => m.requestId === requestId && m.status === 'running' && m.seq > question.seq);
      expect(await admin.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
      expect((await owner.done(requestId, 3000)).status).toBe('cancelled');
    });
  });

  describe('commands without a callback are still carried out', () => {
    it('start and cancel emitted without an ack callback', async () => {
      const client = await connect(uid());
      const requestId = rid('cmd');
      client.socket.emit('start', { requestId, userQuery: 'no callback', context: demo({ steps: 5, stepDelayMs: 400 }) });
      await client.waitFor('status', (m) => m.requestId === requestId && m.status === 'queued');
      await client.waitFor('progress', (m) => m.requestId === requestId);
      client.socket.emit('cancel', { requestId });
      await client.waitFor('status', (m) => m.requestId === requestId && m.status === 'cancelling');
      expect((await client.done(requestId, 3000)).status).toBe('cancelled');
      expectGapFree(client.live(requestId).map((m) => m.seq));
    });

    it('feedback, rejoin and leave emitted without an ack callback', async () => {
      const client = await connect(uid());
      const { requestId, question } = await waitingRequest(client);
      client.socket.emit('feedback', { requestId, questionId: question.questionId, answer: 'fire and forget' });
      await client.done(requestId);
      const watcher = await connect(uid('w'));
      watcher.socket.emit('rejoin', { requestId: rid('cmd'), lastSeq: 0 });
      const state = await watcher.waitFor('state');
      expect(state).toMatchObject({ status: 'unknown', seq: 0, events: [] });
      watcher.socket.emit('leave', { requestId: state.requestId });
      await sleep(100);
      expect(watcher.socket.connected).toBe(true);
    });
  });

  describe('a bad command never disconnects and never affects other sockets', () => {
    it('a socket sending garbage keeps its connection while another socket streams gap-free', async () => {
      const owner = await connect(uid());
      const requestId = rid('cmd');
      await owner.ack('start', { requestId, userQuery: 'keep streaming', context: demo({ steps: 4 }) });
      const bad = await connect(uid());
      const garbage: Array<[string, unknown]> = [
        ['start', { requestId, userQuery: '' }],
        ['cancel', { requestId }],
        ['feedback', 'x'],
        ['rejoin', { requestId, lastSeq: -1 }],
        ['leave', null],
        ['start', { requestId: '../../etc', userQuery: 'q' }],
      ];
      for (const [event, payload] of garbage) {
        const ack = await bad.ack(event, payload);
        expect(ack.ok).toBe(false);
      }
      // an event nobody defined: no disconnect
      bad.socket.emit('no-such-command', { requestId });
      await owner.done(requestId);
      await sleep(100);
      expect(bad.socket.connected).toBe(true);
      expect(owner.socket.connected).toBe(true);
      expectGapFree(owner.live(requestId).map((m) => m.seq));
      expect(bad.live(requestId)).toEqual([]);
    });
  });

  describe('default rate limit allows at least 20 commands per second per socket', () => {
    it('a burst of 20 commands: none RATE_LIMITED', async () => {
      const client = await connect(uid());
      const acks = await Promise.all(Array.from({ length: 20 }, () => client.ack('rejoin', { requestId: rid('rl') })));
      for (const ack of acks) expect(ack).toEqual({ ok: true, seq: 0 });
    });

    it('20 per second sustained for 2 s: none RATE_LIMITED', async () => {
      const client = await connect(uid());
      const acks: Array<Promise<any>> = [];
      for (let i = 0; i < 40; i++) {
        acks.push(client.ack('leave', { requestId: rid('rl') }));
        await sleep(50);
      }
      for (const ack of await Promise.all(acks)) expect(ack).toEqual({ ok: true });
    });
  });
});
