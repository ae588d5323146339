import { mapAgentEvent, UnusableEventError } from './agent-event-mapping';

/** A body as an agent publishes it on `agent.events` (docs/protocol.md §2). */
const body = (type: string, data: unknown, extra: Record<string, unknown> = {}) => ({ type, requestId: 'req-123', agent: 'executor-agent', data, ...extra });

/** The reason `mapAgentEvent` gives for refusing `raw` (it goes into the dead-letter header). */
function reasonFor(raw: unknown): string {
  try {
    mapAgentEvent(raw, 'fallback-id');
  } catch (error) {
    expect(error).toBeInstanceOf(UnusableEventError);
    return (error as Error).message;
  }
  throw new Error('expected the event to be unusable');
}

describe('mapAgentEvent (docs/protocol.md §2 "becomes")', () => {
  describe('any type ending in .progress becomes progress', () => {
    it("the guide's executor.step.progress becomes progress with step from data.stepOrder and the data unchanged", () => {
      const data = { stepOrder: 2, stepId: 'step-2', tool: 'web.search', status: 'running', nested: { a: [1, { b: 2 }] } };
      expect(mapAgentEvent(body('executor.step.progress', data, { eventId: 'ev-1' }), 'fallback-id')).toEqual({
        type: 'progress',
        requestId: 'req-123',
        eventId: 'ev-1',
        agent: 'executor-agent',
        step: 2,
        status: 'running',
        data,
      });
    });

    it('any other *.progress type is progress too', () => {
      const event = mapAgentEvent(body('thought.progress', { status: 'completed', message: 'Planned' }), 'fallback-id');
      expect(event).toMatchObject({ type: 'progress', agent: 'executor-agent', status: 'completed' });
    });

    it('step comes from data.step when data.stepOrder is absent', () => {
      expect(mapAgentEvent(body('executor.step.progress', { step: 4, status: 'failed' }), 'f')).toMatchObject({ step: 4, status: 'failed' });
    });

    it('data.stepOrder wins over data.step', () => {
      expect(mapAgentEvent(body('executor.step.progress', { stepOrder: 1, step: 9, status: 'running' }), 'f')).toMatchObject({ step: 1 });
    });

    it('progress without a step has no step field', () => {
      const event = mapAgentEvent(body('thought.progress', { status: 'running' }), 'f');
      expect(event).not.toHaveProperty('step');
    });

    it.each(['running', 'completed', 'failed'])('data.status %s is usable', (status) => {
      expect(mapAgentEvent(body('x.progress', { status }), 'f')).toMatchObject({ type: 'progress', status });
    });

    it.each([
      ['missing', {}],
      ['another value', { status: 'done' }],
      ['not a string', { status: 1 }],
    ])('data.status %s is unusable', (_case, data) => {
      expect(reasonFor(body('executor.step.progress', data))).toMatch(/data\.status must be one of running, completed, failed/);
    });

    it.each([
      ['data.stepOrder', { stepOrder: '2', status: 'running' }, /data\.stepOrder must be a number/],
      ['data.step', { step: 'two', status: 'running' }, /data\.step must be a number/],
      ['data.stepOrder (even when data.step is fine)', { stepOrder: true, step: 2, status: 'running' }, /data\.stepOrder must be a number/],
    ])('a %s that is not a number is unusable', (_case, data, reason) => {
      expect(reasonFor(body('executor.step.progress', data))).toMatch(reason);
    });
  });

  it('agent.completed becomes agent.completed with the data', () => {
    const data = { plan: [{ stepOrder: 1 }] };
    expect(mapAgentEvent(body('agent.completed', data), 'fallback-id')).toEqual({
      type: 'agent.completed',
      requestId: 'req-123',
      eventId: 'fallback-id',
      agent: 'executor-agent',
      data,
    });
  });

  describe('agent.question becomes question', () => {
    it('with questionId, prompt and options', () => {
      expect(mapAgentEvent(body('agent.question', { questionId: 'q1', prompt: 'Continue?', options: ['yes', 'no'] }), 'f')).toEqual({
        type: 'question',
        requestId: 'req-123',
        eventId: 'f',
        agent: 'executor-agent',
        questionId: 'q1',
        prompt: 'Continue?',
        options: ['yes', 'no'],
      });
    });

    it('options are optional', () => {
      expect(mapAgentEvent(body('agent.question', { questionId: 'q1', prompt: 'Why?' }), 'f')).not.toHaveProperty('options');
    });

    it.each([
      ['data.questionId is missing', { prompt: 'Continue?' }, /data\.questionId must be a non-empty string/],
      ['data.questionId is empty', { questionId: '', prompt: 'Continue?' }, /data\.questionId must be a non-empty string/],
      ['data.prompt is missing', { questionId: 'q1' }, /data\.prompt must be a non-empty string/],
      ['data.prompt is not a string', { questionId: 'q1', prompt: 42 }, /data\.prompt must be a non-empty string/],
      ['data.options is not an array', { questionId: 'q1', prompt: 'p', options: 'yes' }, /data\.options must be an array of strings/],
      ['data.options holds a non-string', { questionId: 'q1', prompt: 'p', options: ['yes', 1] }, /data\.options must be an array of strings/],
    ])('is unusable when %s', (_case, data, reason) => {
      expect(reasonFor(body('agent.question', data))).toMatch(reason);
    });
  });

  describe('agent.error becomes error', () => {
    it('with message and step', () => {
      expect(mapAgentEvent(body('agent.error', { message: 'tool crashed', step: 2 }), 'f')).toEqual({
        type: 'error',
        requestId: 'req-123',
        eventId: 'f',
        agent: 'executor-agent',
        message: 'tool crashed',
        step: 2,
      });
    });

    it('step is optional', () => {
      expect(mapAgentEvent(body('agent.error', { message: 'boom' }), 'f')).not.toHaveProperty('step');
    });

    it('is unusable without data.message', () => {
      expect(reasonFor(body('agent.error', { step: 1 }))).toMatch(/data\.message must be a non-empty string/);
    });

    it('is unusable with a non-numeric step', () => {
      expect(reasonFor(body('agent.error', { message: 'boom', step: '1' }))).toMatch(/data\.step must be a number/);
    });
  });

  describe('request.completed becomes request.completed', () => {
    it.each(['completed', 'failed', 'cancelled'])('with status %s', (status) => {
      expect(mapAgentEvent(body('request.completed', { status }), 'f')).toEqual({ type: 'request.completed', requestId: 'req-123', eventId: 'f', status });
    });

    it('passes result and error through', () => {
      const event = mapAgentEvent(body('request.completed', { status: 'failed', result: { partial: [1] }, error: { message: 'step 2 failed' } }), 'f');
      expect(event).toMatchObject({ status: 'failed', result: { partial: [1] }, error: { message: 'step 2 failed' } });
    });

    it.each([
      ['missing', {}],
      ['not final', { status: 'running' }],
    ])('is unusable when data.status is %s', (_case, data) => {
      expect(reasonFor(body('request.completed', data))).toMatch(/data\.status must be one of completed, failed, cancelled/);
    });
  });

  describe('the envelope', () => {
    it('an unknown type is unusable, naming the type', () => {
      expect(reasonFor(body('agent.sneezed', {}))).toBe("unknown type 'agent.sneezed'");
    });

    it('a body without agent is unusable, naming agent', () => {
      const { agent: _agent, ...withoutAgent } = body('agent.completed', {});
      expect(reasonFor(withoutAgent)).toMatch(/agent must be a string/);
    });

    it.each(['', 'bad id', '-starts-with-dash', 'x'.repeat(129)])('a requestId %j is unusable, naming requestId', (requestId) => {
      expect(reasonFor({ ...body('agent.completed', {}), requestId })).toMatch(/requestId must match/);
    });

    it.each([
      ['missing', undefined],
      ['null', null],
      ['an array', [1]],
      ['a string', 'running'],
    ])('data that is %s is unusable, naming data', (_case, data) => {
      expect(reasonFor(body('agent.completed', data))).toMatch(/data must be an object/);
    });

    it.each([
      ['null', null],
      ['a string', 'not json'],
      ['a number', 42],
      ['an array', [{ type: 'agent.completed' }]],
    ])('a body that is %s is unusable: "body must be a JSON object"-like reason', (_case, raw) => {
      expect(reasonFor(raw)).toMatch(/must be an object/);
    });

    it('lists every bad field in the reason', () => {
      const reason = reasonFor({ type: 'agent.completed', requestId: 'bad id', data: 'x' });
      expect(reason).toMatch(/requestId/);
      expect(reason).toMatch(/agent/);
      expect(reason).toMatch(/data/);
    });

    it('eventId comes from the body when given, else the fallback', () => {
      expect(mapAgentEvent(body('agent.completed', {}, { eventId: 'agent-chose' }), 'fallback-id').eventId).toBe('agent-chose');
      expect(mapAgentEvent(body('agent.completed', {}), 'fallback-id').eventId).toBe('fallback-id');
    });

    it('extra top-level fields (tracing and the like) are tolerated and not carried', () => {
      const event = mapAgentEvent(body('agent.completed', { ok: true }, { traceId: 'abc', timestamp: 123 }), 'f');
      expect(event).toEqual({ type: 'agent.completed', requestId: 'req-123', eventId: 'f', agent: 'executor-agent', data: { ok: true } });
    });
  });
});
