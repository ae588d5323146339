import { applyEvent, emptyProjection, type RecordedMessage, type StateMessage } from '@app/contracts';
import { RequestTracker } from './request-tracker';

const REQUEST_ID = 'req-1';

/** A demo-like log: queued, a thought, three executor steps, a question answered, completion. */
function demoLog(): RecordedMessage[] {
  const drafts: Array<Record<string, unknown>> = [
    { type: 'status', status: 'queued', owner: 'u1' },
    { type: 'progress', agent: 'thought-agent', status: 'running', data: { status: 'running' } },
    { type: 'agent.completed', agent: 'thought-agent', data: { plan: [1, 2, 3] } },
    ...[1, 2, 3].flatMap((step) => [
      { type: 'progress', agent: 'executor-agent', step, status: 'running', data: { stepOrder: step, status: 'running', tool: `tool-${step}` } },
      ...(step === 2
        ? [
            { type: 'question', agent: 'executor-agent', questionId: 'q1', prompt: 'Go on?' },
            { type: 'status', status: 'running', questionId: 'q1' },
          ]
        : []),
      { type: 'progress', agent: 'executor-agent', step, status: 'completed', data: { stepOrder: step, status: 'completed', result: step * 10 } },
    ]),
    { type: 'agent.completed', agent: 'executor-agent', data: { steps: 3 } },
    { type: 'request.completed', status: 'completed', result: { answer: 42 } },
  ];
  return drafts.map((d, i) => ({ ...d, requestId: REQUEST_ID, seq: i + 1, ts: new Date(Date.UTC(2025, 0, 1, 0, 0, i + 1)).toISOString() }) as RecordedMessage);
}

/** The `state` the server would send after `upTo` events, as a fold of the same log. */
function stateAfter(log: RecordedMessage[], upTo: number, extra: Partial<StateMessage> = {}): StateMessage {
  const p = log.slice(0, upTo).reduce(applyEvent, emptyProjection());
  const { askedQuestionIds: _asked, ...fields } = p;
  return { type: 'state', requestId: REQUEST_ID, seq: upTo, ...structuredClone(fields), ...extra };
}

function tracked() {
  const tracker = new RequestTracker(REQUEST_ID);
  const seen: number[] = [];
  tracker.on('*', (e) => seen.push(e.seq));
  return { tracker, seen };
}

/** The picture without the fields only a server knows (times). */
const picture = (s: ReturnType<RequestTracker['getSnapshot']>) => ({ seq: s.seq, status: s.status, agents: s.agents, steps: s.steps, pendingQuestions: s.pendingQuestions, result: s.result, error: s.error });

describe('RequestTracker: the client-side fold of one request', () => {
  const log = demoLog();
  const final = picture({ ...stateAfter(log, log.length) });

  it('live events folded one by one give the server’s final state', () => {
    const { tracker, seen } = tracked();
    tracker.receiveState(stateAfter(log, 0, { status: 'unknown', events: [] }));
    for (const e of log) expect(tracker.receive(e)).toBe('applied');
    expect(picture(tracker.getSnapshot())).toEqual(final);
    expect(seen).toEqual(log.map((e) => e.seq));
  });

  it('drops seqs it already has, and reports a gap without applying it', () => {
    const { tracker, seen } = tracked();
    log.slice(0, 4).forEach((e) => tracker.receive(e));
    expect(tracker.receive(log[2])).toBe('duplicate');
    expect(tracker.receive(log[3])).toBe('duplicate');
    expect(tracker.receive(log[5])).toBe('gap');
    expect(tracker.seq).toBe(4);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('a rejoin state folds only the events it does not have, then live resumes without repeats', () => {
    const { tracker, seen } = tracked();
    log.slice(0, 5).forEach((e) => tracker.receive(e));
    // Reconnected after seq 5; meanwhile the gateway recorded up to 9. A late live copy of 5 arrives too.
    tracker.receiveState({ ...stateAfter(log, 9), events: log.slice(3, 9) }); // overlaps 4 and 5: dropped
    expect(tracker.receive(log[4])).toBe('duplicate');
    log.slice(9).forEach((e) => tracker.receive(e));
    expect(seen).toEqual(log.map((e) => e.seq));
    expect(picture(tracker.getSnapshot())).toEqual(final);
  });

  it('a truncated state replaces the picture and tells only the replayed events, none twice', () => {
    const { tracker, seen } = tracked();
    log.slice(0, 3).forEach((e) => tracker.receive(e));
    tracker.receiveState({ ...stateAfter(log, 10), events: log.slice(7, 10), truncated: true });
    expect(tracker.seq).toBe(10);
    expect(picture(tracker.getSnapshot())).toEqual(picture({ ...stateAfter(log, 10) }));
    log.slice(10).forEach((e) => expect(tracker.receive(e)).toBe('applied'));
    expect(seen).toEqual([1, 2, 3, 8, 9, 10, ...log.slice(10).map((e) => e.seq)]);
    expect(picture(tracker.getSnapshot())).toEqual(final);
  });

  it('a state older than what it has changes nothing', () => {
    const { tracker, seen } = tracked();
    log.slice(0, 8).forEach((e) => tracker.receive(e));
    const before = picture(tracker.getSnapshot());
    tracker.receiveState({ ...stateAfter(log, 6), events: log.slice(2, 6) });
    expect(picture(tracker.getSnapshot())).toEqual(before);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a state without events (handshake style) is taken as the picture', () => {
    const { tracker } = tracked();
    tracker.receiveState({ ...stateAfter(log, 7), userQuery: 'q', createdAt: 'c', updatedAt: 'u' });
    expect(tracker.getSnapshot()).toMatchObject({ seq: 7, status: 'waiting', userQuery: 'q', createdAt: 'c', updatedAt: 'u' });
    expect(tracker.getSnapshot().pendingQuestions).toEqual([{ agent: 'executor-agent', questionId: 'q1', prompt: 'Go on?' }]);
  });

  it('getSnapshot keeps its identity until something changes, and subscribers hear every change', () => {
    const { tracker } = tracked();
    const changes = jest.fn();
    const unsubscribe = tracker.subscribe(changes);
    const first = tracker.getSnapshot();
    expect(tracker.getSnapshot()).toBe(first);
    tracker.receive(log[0]);
    expect(changes).toHaveBeenCalledTimes(1);
    const second = tracker.getSnapshot();
    expect(second).not.toBe(first);
    expect(tracker.getSnapshot()).toBe(second);
    tracker.receive(log[0]); // duplicate: no change
    expect(tracker.getSnapshot()).toBe(second);
    unsubscribe();
    tracker.receive(log[1]);
    expect(changes).toHaveBeenCalledTimes(1);
  });

  it('snapshots are copies: the next fold does not change a snapshot already handed out', () => {
    const { tracker } = tracked();
    log.slice(0, 4).forEach((e) => tracker.receive(e));
    const during = tracker.getSnapshot();
    tracker.receive(log[4]);
    expect(during.steps).toEqual([{ agent: 'executor-agent', step: 1, status: 'running', tool: 'tool-1' }]);
    expect(tracker.getSnapshot().steps[0]).toMatchObject({ status: 'completed', result: 10 });
  });

  it('per-type listeners get only their type', () => {
    const { tracker } = tracked();
    const questions: string[] = [];
    tracker.on('question', (q) => questions.push(q.questionId));
    log.forEach((e) => tracker.receive(e));
    expect(questions).toEqual(['q1']);
  });

  it('a refused watch shows why, and a later state clears it', () => {
    const { tracker } = tracked();
    tracker.refuse({ code: 'FORBIDDEN' as never, message: 'not yours' });
    expect(tracker.getSnapshot().refused).toEqual({ code: 'FORBIDDEN', message: 'not yours' });
    tracker.receiveState(stateAfter(log, 2));
    expect(tracker.getSnapshot().refused).toBeUndefined();
  });
});

describe('RequestTracker: a streaming step (docs/protocol.md §1 output)', () => {
  const deltas = ['Once ', 'upon ', 'a tïme ', '😀', ' the end'];
  const log: RecordedMessage[] = [
    { type: 'status', requestId: REQUEST_ID, seq: 1, ts: 't1', status: 'queued' },
    ...deltas.map((delta, i) => ({ type: 'output' as const, requestId: REQUEST_ID, seq: i + 2, ts: 't', agent: 'writer', step: 1, delta })),
  ];

  it("state.steps[].output grows with each delta, and watch.on('output') hears each one once", () => {
    const tracker = new RequestTracker(REQUEST_ID);
    const heard: string[] = [];
    tracker.on('output', (m) => heard.push(m.delta));
    tracker.receiveState(stateAfter(log, 3));
    expect(tracker.getSnapshot().steps[0]).toEqual({ agent: 'writer', step: 1, status: 'running', output: 'Once upon ' });
    for (const e of log) tracker.receive(e);
    expect(tracker.getSnapshot().steps[0].output).toBe(deltas.join(''));
    expect(heard).toEqual(deltas.slice(2));
  });

  it('a rejoin whose state carries the missed deltas appends each once; a truncated step is not appended to', () => {
    const tracker = new RequestTracker(REQUEST_ID);
    tracker.receiveState(stateAfter(log, 2));
    tracker.receiveState(stateAfter(log, 6, { events: log.slice(2, 6) }));
    expect(tracker.getSnapshot().steps[0].output).toBe(deltas.join(''));

    const truncated = new RequestTracker(REQUEST_ID);
    const state = stateAfter(log, 2);
    state.steps[0] = { ...state.steps[0], outputTruncated: true };
    truncated.receiveState(state);
    truncated.receive(log[2]);
    expect(truncated.getSnapshot().steps[0]).toEqual({ agent: 'writer', step: 1, status: 'running', output: 'Once ', outputTruncated: true });
  });
});
