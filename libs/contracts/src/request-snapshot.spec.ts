import { applyEvent } from './request-projection';
import { projectionFromState } from './request-snapshot';
import type { StateMessage } from './server-messages';

describe('projectionFromState', () => {
  const state: StateMessage = {
    type: 'state',
    requestId: 'r1',
    seq: 4,
    status: 'waiting',
    userQuery: 'q',
    agents: [{ agent: 'a', status: 'running' }],
    steps: [{ agent: 'a', step: 1, status: 'running' }],
    pendingQuestions: [{ agent: 'a', questionId: 'q1', prompt: 'ok?' }],
    events: [],
  };

  it('keeps the picture and counts pending questions as asked', () => {
    expect(projectionFromState(state)).toEqual({
      status: 'waiting',
      agents: [{ agent: 'a', status: 'running' }],
      steps: [{ agent: 'a', step: 1, status: 'running' }],
      pendingQuestions: [{ agent: 'a', questionId: 'q1', prompt: 'ok?' }],
      askedQuestionIds: ['q1'],
    });
  });

  it('folding onto it leaves the state message untouched', () => {
    const p = projectionFromState(state);
    applyEvent(p, { type: 'progress', requestId: 'r1', seq: 5, ts: 't', agent: 'a', step: 1, status: 'completed', data: { result: 1 } });
    applyEvent(p, { type: 'status', requestId: 'r1', seq: 6, ts: 't', status: 'running', questionId: 'q1' });
    expect(p.steps[0]).toMatchObject({ status: 'completed', result: 1 });
    expect(p.pendingQuestions).toEqual([]);
    expect(state.steps[0].status).toBe('running');
    expect(state.pendingQuestions).toHaveLength(1);
  });
});
