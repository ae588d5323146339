import { jsonByteLength, type RecordedMessage, type StateMessage } from '@app/contracts';
import { fitState } from './state-budget';

const ts = new Date(0).toISOString();
const event = (seq: number, padding: number): RecordedMessage =>
  ({ type: 'progress', requestId: 'r', seq, ts, agent: 'a', status: 'running', data: { pad: 'x'.repeat(padding) } }) as RecordedMessage;

function state(extra: Partial<StateMessage> = {}): StateMessage {
  return { type: 'state', requestId: 'r', seq: 10, status: 'running', agents: [], steps: [], pendingQuestions: [], ...extra };
}

describe('fitState (a state fits what a socket may have queued)', () => {
  it('leaves a state within the budget untouched', () => {
    const small = state({ events: [event(1, 10)] });
    expect(fitState(structuredClone(small), 10_000)).toEqual(small);
  });

  it('drops the oldest replayed events first and says truncated', () => {
    const fitted = fitState(state({ events: Array.from({ length: 10 }, (_, i) => event(i + 1, 1000)) }), 5000);
    expect(jsonByteLength(fitted)).toBeLessThanOrEqual(5000);
    expect(fitted.truncated).toBe(true);
    const seqs = fitted.events!.map((e) => e.seq);
    expect(seqs[seqs.length - 1]).toBe(10);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 11 - seqs.length + i));
    expect(fitted.omitted).toBeUndefined();
  });

  it('then leaves out the largest agent-supplied values, naming each', () => {
    const fitted = fitState(
      state({
        agents: [{ agent: 'a', status: 'running', data: { big: 'y'.repeat(3000) } }],
        steps: [
          { agent: 'a', step: 1, status: 'completed', result: 'z'.repeat(4000) },
          { agent: 'a', step: 2, status: 'running', tool: 'small' },
        ],
        result: 'r'.repeat(100),
      }),
      2000,
    );
    expect(jsonByteLength(fitted)).toBeLessThanOrEqual(2000);
    expect(fitted.omitted).toEqual(['steps[0].result', 'agents[0].data']);
    expect(fitted.steps).toEqual([{ agent: 'a', step: 1, status: 'completed' }, { agent: 'a', step: 2, status: 'running', tool: 'small' }]);
    expect(fitted.result).toBe('r'.repeat(100));
  });

  it("a step's output left out marks the step outputTruncated", () => {
    const step = { agent: 'a', step: 1, status: 'running', output: 'o'.repeat(5000) } as StateMessage['steps'][number];
    const fitted = fitState(state({ steps: [step] }), 1000);
    expect(fitted.steps).toEqual([{ agent: 'a', step: 1, status: 'running', outputTruncated: true }]);
    expect(fitted.omitted).toEqual(['steps[0].output']);
  });

  it('at last keeps only the newest steps', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => ({ agent: 'agent', step: i + 1, status: 'completed' as const }));
    const fitted = fitState(state({ steps }), 10_000);
    expect(jsonByteLength(fitted)).toBeLessThanOrEqual(10_000);
    expect(fitted.steps[fitted.steps.length - 1].step).toBe(1000);
    const first = fitted.steps[0].step;
    expect(fitted.omitted).toEqual([`steps[0..${first - 2}]`]);
  });
});
