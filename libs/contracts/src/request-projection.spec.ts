import { applyEvent, emptyProjection, withPlannedTitles } from './request-projection';
import type { RecordedMessage, RequestProjection } from './server-messages';

type Fields<T extends RecordedMessage['type']> = Omit<Extract<RecordedMessage, { type: T }>, 'type' | 'requestId' | 'seq' | 'ts'>;

/** Builds recorded messages with consecutive seqs, as the log holds them. */
function log() {
  let seq = 0;
  const at = <T extends RecordedMessage['type']>(type: T, fields: Fields<T>) =>
    ({ type, requestId: 'req-123', seq: ++seq, ts: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(), ...fields }) as unknown as RecordedMessage;
  return {
    status: (fields: Fields<'status'>) => at('status', fields),
    progress: (fields: Fields<'progress'>) => at('progress', fields),
    completed: (fields: Fields<'agent.completed'>) => at('agent.completed', fields),
    question: (fields: Fields<'question'>) => at('question', fields),
    error: (fields: Fields<'error'>) => at('error', fields),
    requestCompleted: (fields: Fields<'request.completed'>) => at('request.completed', fields),
  };
}

const fold = (events: RecordedMessage[], from: RequestProjection = emptyProjection()) => events.reduce(applyEvent, from);

describe('the request projection (the fold behind `state`)', () => {
  it('starts empty with status unknown', () => {
    expect(emptyProjection()).toEqual({ status: 'unknown', agents: [], steps: [], pendingQuestions: [], askedQuestionIds: [] });
    expect(emptyProjection('queued').status).toBe('queued');
  });

  describe('status', () => {
    it('a status event sets the status: queued on start', () => {
      const e = log();
      expect(fold([e.status({ status: 'queued', owner: 'u1' })]).status).toBe('queued');
    });

    it('queued becomes running on the first progress', () => {
      const e = log();
      const p = fold([e.status({ status: 'queued', owner: 'u1' }), e.progress({ agent: 'thought-agent', status: 'running', data: { status: 'running' } })]);
      expect(p.status).toBe('running');
    });

    it('a question makes the request waiting, with the question pending and remembered as asked', () => {
      const e = log();
      const p = fold([
        e.status({ status: 'queued' }),
        e.progress({ agent: 'executor-agent', step: 1, status: 'running', data: { stepOrder: 1, status: 'running' } }),
        e.question({ agent: 'executor-agent', questionId: 'q1', prompt: 'Continue?', options: ['yes', 'no'] }),
      ]);
      expect(p.status).toBe('waiting');
      expect(p.pendingQuestions).toEqual([{ agent: 'executor-agent', questionId: 'q1', prompt: 'Continue?', options: ['yes', 'no'] }]);
      expect(p.askedQuestionIds).toEqual(['q1']);
    });

    it('a question without options has no options field', () => {
      const e = log();
      const p = fold([e.question({ agent: 'a', questionId: 'q1', prompt: 'Why?' })]);
      expect(p.pendingQuestions[0]).not.toHaveProperty('options');
    });

    it('progress while waiting keeps the request waiting', () => {
      const e = log();
      const p = fold([
        e.question({ agent: 'a', questionId: 'q1', prompt: 'p' }),
        e.progress({ agent: 'a', step: 1, status: 'running', data: { status: 'running', detail: 'still thinking' } }),
      ]);
      expect(p.status).toBe('waiting');
    });

    it('the answer (status with questionId) removes that question only and the request runs again', () => {
      const e = log();
      const p = fold([
        e.question({ agent: 'a', questionId: 'q1', prompt: 'first?' }),
        e.question({ agent: 'b', questionId: 'q2', prompt: 'second?' }),
        e.status({ status: 'running', reason: 'question answered', questionId: 'q1' }),
      ]);
      expect(p.status).toBe('running');
      expect(p.pendingQuestions.map((q) => q.questionId)).toEqual(['q2']);
      expect(p.askedQuestionIds).toEqual(['q1', 'q2']);
    });

    it('the same question asked twice is pending and asked once', () => {
      const e = log();
      const p = fold([e.question({ agent: 'a', questionId: 'q1', prompt: 'old' }), e.question({ agent: 'a', questionId: 'q1', prompt: 'new' })]);
      expect(p.pendingQuestions).toEqual([{ agent: 'a', questionId: 'q1', prompt: 'new' }]);
      expect(p.askedQuestionIds).toEqual(['q1']);
    });

    it('cancelling is not overridden by later progress or questions', () => {
      const e = log();
      const p = fold([
        e.status({ status: 'queued' }),
        e.progress({ agent: 'a', step: 1, status: 'running', data: { status: 'running' } }),
        e.status({ status: 'cancelling', reason: 'cancelled by u1' }),
        e.progress({ agent: 'a', step: 1, status: 'completed', data: { status: 'completed' } }),
        e.question({ agent: 'a', questionId: 'q1', prompt: 'p' }),
      ]);
      expect(p.status).toBe('cancelling');
    });

    it.each(['completed', 'failed', 'cancelled'] as const)('request.completed %s sets the final status, result and error, and clears pending questions', (status) => {
      const e = log();
      const p = fold([
        e.status({ status: 'queued' }),
        e.question({ agent: 'a', questionId: 'q1', prompt: 'p' }),
        e.requestCompleted({ status, result: { answer: 42 }, error: { message: 'why' } }),
      ]);
      expect(p.status).toBe(status);
      expect(p.result).toEqual({ answer: 42 });
      expect(p.error).toEqual({ message: 'why' });
      expect(p.pendingQuestions).toEqual([]);
      expect(p.askedQuestionIds).toEqual(['q1']);
    });

    it('request.completed ends a cancelling request', () => {
      const e = log();
      expect(fold([e.status({ status: 'cancelling' }), e.requestCompleted({ status: 'cancelled' })]).status).toBe('cancelled');
    });

    it('request.completed without result or error leaves them absent', () => {
      const e = log();
      const p = fold([e.requestCompleted({ status: 'completed' })]);
      expect(p).not.toHaveProperty('result');
      expect(p).not.toHaveProperty('error');
    });

    it('nothing changes a final status (nor its result and error)', () => {
      const e = log();
      const p = fold([
        e.requestCompleted({ status: 'completed', result: 'first' }),
        e.status({ status: 'running' }),
        e.status({ status: 'cancelling' }),
        e.progress({ agent: 'a', step: 1, status: 'running', data: { status: 'running' } }),
        e.question({ agent: 'a', questionId: 'q9', prompt: 'late?' }),
        e.requestCompleted({ status: 'failed', result: 'second', error: 'late' }),
      ]);
      expect(p.status).toBe('completed');
      expect(p.result).toBe('first');
      expect(p).not.toHaveProperty('error');
      expect(p.pendingQuestions).toEqual([]);
    });
  });

  describe('agents', () => {
    it('are upserted: running with their data, then completed with their data', () => {
      const e = log();
      const p = fold([
        e.progress({ agent: 'thought-agent', status: 'running', data: { status: 'running', message: 'Planning…' } }),
        e.progress({ agent: 'thought-agent', status: 'completed', data: { status: 'completed', message: 'Planned 2 steps' } }),
        e.progress({ agent: 'executor-agent', step: 1, status: 'running', data: { stepOrder: 1, status: 'running' } }),
        e.completed({ agent: 'thought-agent', data: { plan: [1, 2] } }),
      ]);
      expect(p.agents).toEqual([
        { agent: 'thought-agent', status: 'completed', data: { plan: [1, 2] } },
        { agent: 'executor-agent', status: 'running', data: { stepOrder: 1, status: 'running' } },
      ]);
    });

    it('an agent error marks the agent failed, keeping its last data', () => {
      const e = log();
      const p = fold([e.progress({ agent: 'a', status: 'running', data: { status: 'running', n: 1 } }), e.error({ agent: 'a', message: 'boom' })]);
      expect(p.agents).toEqual([{ agent: 'a', status: 'failed', data: { status: 'running', n: 1 } }]);
    });

    it('a failed agent stays failed on later progress', () => {
      const e = log();
      const p = fold([e.error({ agent: 'a', message: 'boom' }), e.progress({ agent: 'a', status: 'running', data: { status: 'running' } })]);
      expect(p.agents[0].status).toBe('failed');
    });
  });

  describe('steps', () => {
    it('are upserted by (agent, step) with stepId, title, tool, result and error picked from the data', () => {
      const e = log();
      const p = fold([
        e.progress({ agent: 'executor-agent', step: 1, status: 'running', data: { stepOrder: 1, stepId: 'step-1', tool: 'web.search', title: 'Search', status: 'running' } }),
        e.progress({ agent: 'executor-agent', step: 1, status: 'completed', data: { stepOrder: 1, status: 'completed', result: { hits: 3 } } }),
        e.progress({ agent: 'executor-agent', step: 2, status: 'running', data: { stepOrder: 2, stepId: 'step-2', status: 'running' } }),
        e.progress({ agent: 'other-agent', step: 1, status: 'running', data: { step: 1, status: 'running' } }),
      ]);
      expect(p.steps).toEqual([
        { agent: 'executor-agent', step: 1, stepId: 'step-1', title: 'Search', tool: 'web.search', status: 'completed', result: { hits: 3 } },
        { agent: 'executor-agent', step: 2, stepId: 'step-2', status: 'running' },
        { agent: 'other-agent', step: 1, status: 'running' },
      ]);
    });

    it('a step is titled by data.title, kept by later progress without one and replaced by a new one; a title that is not a non-empty string is ignored', () => {
      const e = log();
      const p = fold([
        e.progress({ agent: 'a', step: 1, status: 'running', data: { stepOrder: 1, status: 'running', title: 'Find sources' } }),
        e.progress({ agent: 'a', step: 1, status: 'running', data: { stepOrder: 1, status: 'running', title: 42 } }),
        e.progress({ agent: 'a', step: 2, status: 'running', data: { stepOrder: 2, status: 'running', title: 'Draft' } }),
        e.progress({ agent: 'a', step: 2, status: 'completed', data: { stepOrder: 2, status: 'completed', title: 'Draft the answer' } }),
        e.progress({ agent: 'a', step: 3, status: 'running', data: { stepOrder: 3, status: 'running', title: '' } }),
      ]);
      expect(p.steps.map((s) => s.title)).toEqual(['Find sources', 'Draft the answer', undefined]);
    });

    it('a failed step keeps the error from its data', () => {
      const e = log();
      const p = fold([e.progress({ agent: 'a', step: 3, status: 'failed', data: { stepOrder: 3, status: 'failed', error: 'timeout' } })]);
      expect(p.steps).toEqual([{ agent: 'a', step: 3, status: 'failed', error: 'timeout' }]);
    });

    it('progress without a step adds no step', () => {
      const e = log();
      expect(fold([e.progress({ agent: 'thought-agent', status: 'running', data: { status: 'running' } })]).steps).toEqual([]);
    });

    it('an agent error with a step marks that step failed with the message', () => {
      const e = log();
      const p = fold([
        e.progress({ agent: 'a', step: 2, status: 'running', data: { stepOrder: 2, stepId: 'step-2', status: 'running' } }),
        e.error({ agent: 'a', message: 'tool crashed', step: 2 }),
      ]);
      expect(p.steps).toEqual([{ agent: 'a', step: 2, stepId: 'step-2', status: 'failed', error: 'tool crashed' }]);
    });

    it('an agent error with a step never reported adds that step, failed', () => {
      const e = log();
      expect(fold([e.error({ agent: 'a', message: 'boom', step: 5 })]).steps).toEqual([{ agent: 'a', step: 5, status: 'failed', error: 'boom' }]);
    });

    it('an agent error without a step touches no step', () => {
      const e = log();
      const p = fold([e.progress({ agent: 'a', step: 1, status: 'running', data: { status: 'running' } }), e.error({ agent: 'a', message: 'boom' })]);
      expect(p.steps).toEqual([{ agent: 'a', step: 1, status: 'running' }]);
    });
  });

  describe('withPlannedTitles (the agent.completed data.plan convention)', () => {
    const plan = (entries: unknown[]) => fold([log().completed({ agent: 'thought-agent', data: { plan: entries } })]).agents;

    it('gives a step without a title the title its plan gives its step number; a step with data.title keeps its own', () => {
      const agents = plan([{ stepOrder: 1, title: 'Search the web' }, { stepOrder: 2, title: 'Summarise' }, { stepOrder: 3 }]);
      const steps = [
        { agent: 'executor-agent', step: 1, status: 'completed' as const },
        { agent: 'executor-agent', step: 2, status: 'running' as const, title: 'Summarise briefly' },
        { agent: 'executor-agent', step: 3, status: 'running' as const },
        { agent: 'executor-agent', step: 4, status: 'running' as const },
      ];
      expect(withPlannedTitles(steps, agents).map((s) => s.title)).toEqual(['Search the web', 'Summarise briefly', undefined, undefined]);
      expect(steps[0]).not.toHaveProperty('title'); // the projection itself is left as folded
    });

    it('leaves the steps as they are without a plan, or with one that is not a list of steps', () => {
      const steps = [{ agent: 'a', step: 1, status: 'running' as const }];
      expect(withPlannedTitles(steps, [])).toBe(steps);
      expect(withPlannedTitles(steps, plan(['x', null, { stepOrder: '1', title: 'no' }]))).toEqual(steps);
    });
  });

  it('folds a whole demo run into the state a rejoining client sees', () => {
    const e = log();
    const p = fold([
      e.status({ status: 'queued', owner: 'u1' }),
      e.progress({ agent: 'thought-agent', status: 'running', data: { status: 'running' } }),
      e.completed({ agent: 'thought-agent', data: { plan: ['s1'] } }),
      e.progress({ agent: 'executor-agent', step: 1, status: 'running', data: { stepOrder: 1, stepId: 'step-1', status: 'running' } }),
      e.question({ agent: 'executor-agent', questionId: 'executor-agent:q1', prompt: 'Go on?' }),
      e.status({ status: 'running', reason: 'question answered', questionId: 'executor-agent:q1' }),
      e.progress({ agent: 'executor-agent', step: 1, status: 'completed', data: { stepOrder: 1, status: 'completed', result: 'ok' } }),
      e.completed({ agent: 'executor-agent', data: { steps: 1 } }),
      e.requestCompleted({ status: 'completed', result: { answer: 'done' } }),
    ]);
    expect(p).toEqual({
      status: 'completed',
      agents: [
        { agent: 'thought-agent', status: 'completed', data: { plan: ['s1'] } },
        { agent: 'executor-agent', status: 'completed', data: { steps: 1 } },
      ],
      steps: [{ agent: 'executor-agent', step: 1, stepId: 'step-1', status: 'completed', result: 'ok' }],
      pendingQuestions: [],
      askedQuestionIds: ['executor-agent:q1'],
      result: { answer: 'done' },
    });
  });
});
