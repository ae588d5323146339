import { mapAgentEvent, UnusableEventError } from './agent-event-mapping';
import { prefixWithinBytes, utf8Length } from './output-text';
import { applyEvent, emptyProjection, foldWithin, outputBytesOf } from './request-projection';
import type { OutputMessage, RecordedMessage } from './server-messages';

let seq = 0;
const output = (delta: string, step = 1, agent = 'writer'): OutputMessage => ({ type: 'output', requestId: 'r1', seq: ++seq, ts: 't', agent, step, delta });
const body = (data: Record<string, unknown>, type = 'executor.step.output') => ({ type, requestId: 'r1', agent: 'writer', data });

describe('output (docs/protocol.md §1 output, §2 .output)', () => {
  describe('mapping an agent event', () => {
    it('any type ending in .output becomes output with step from data.stepOrder, else data.step', () => {
      expect(mapAgentEvent(body({ stepOrder: 2, delta: 'Hel' }), 'f')).toEqual({ type: 'output', requestId: 'r1', eventId: 'f', agent: 'writer', step: 2, delta: 'Hel' });
      expect(mapAgentEvent(body({ step: 3, delta: '' }, 'llm.output'), 'f')).toMatchObject({ type: 'output', step: 3, delta: '' });
    });

    it.each([
      [{ delta: 'x' }, 'data.stepOrder or data.step must be a number'],
      [{ stepOrder: '1', delta: 'x' }, 'data.stepOrder must be a number'],
      [{ stepOrder: 1 }, 'data.delta must be a string'],
      [{ stepOrder: 1, delta: 42 }, 'data.delta must be a string'],
      [{ stepOrder: 1, delta: 'a\uD800b' }, 'data.delta must be well-formed Unicode'],
      [{ stepOrder: 1, delta: 'é'.repeat(32 * 1024 + 1) }, 'data.delta must be at most 65536 bytes of UTF-8 (it has 65538)'],
    ])('%j is unusable: %s', (data, reason) => {
      expect(() => mapAgentEvent(body(data), 'f')).toThrow(UnusableEventError);
      expect(() => mapAgentEvent(body(data), 'f')).toThrow(reason);
    });

    it('a delta of exactly 64 KiB of UTF-8 is usable', () => {
      expect(mapAgentEvent(body({ stepOrder: 1, delta: 'é'.repeat(32 * 1024) }), 'f')).toMatchObject({ type: 'output' });
    });
  });

  describe('UTF-8 lengths and prefixes', () => {
    it('counts bytes as UTF-8 does', () => {
      for (const text of ['', 'abc', 'é', '€', '😀', 'a😀é€\u0000']) expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
    });

    it('cuts at whole characters only, never inside a surrogate pair', () => {
      expect(prefixWithinBytes('ab😀c', 5)).toBe('ab');
      expect(prefixWithinBytes('ab😀c', 6)).toBe('ab😀');
      expect(prefixWithinBytes('éé', 3)).toBe('é');
      expect(prefixWithinBytes('abc', 10)).toBe('abc');
    });
  });

  describe('the fold', () => {
    it('a step first seen through its output appears running, with the delta as its output', () => {
      const p = applyEvent(emptyProjection('queued'), output('Hello'));
      expect(p.steps).toEqual([{ agent: 'writer', step: 1, status: 'running', output: 'Hello' }]);
      expect(p.status).toBe('running');
    });

    it("appends deltas in order and never changes the step's status", () => {
      const events: RecordedMessage[] = [
        output('Hel'),
        { type: 'progress', requestId: 'r1', seq: ++seq, ts: 't', agent: 'writer', step: 1, status: 'completed', data: {} },
        output('lo, '),
        output('wörld 😀'),
        output('other', 2),
      ];
      const p = events.reduce(applyEvent, emptyProjection());
      expect(p.steps).toEqual([
        { agent: 'writer', step: 1, status: 'completed', output: 'Hello, wörld 😀' },
        { agent: 'writer', step: 2, status: 'running', output: 'other' },
      ]);
    });

    it('past the limit keeps the longest prefix of whole characters, marks it truncated and appends nothing more', () => {
      const p = [output('abc'), output('d😀e'), output('f')].reduce(foldWithin({ outputMaxBytes: 6 }), emptyProjection());
      expect(p.steps[0]).toMatchObject({ output: 'abcd', outputTruncated: true });
      expect(outputBytesOf(p.steps[0])).toBe(4);
    });

    it('a delta that fills the limit exactly is kept whole and not truncated', () => {
      const p = [output('abc'), output('é')].reduce(foldWithin({ outputMaxBytes: 5 }), emptyProjection());
      expect(p.steps[0]).toEqual({ agent: 'writer', step: 1, status: 'running', output: 'abcé' });
    });

    it('folding from a snapshot goes on exactly where it left off, truncated steps included', () => {
      const limited = foldWithin({ outputMaxBytes: 4 });
      const snapshot = structuredClone([output('ab'), output('cdef')].reduce(limited, emptyProjection()));
      expect(limited(snapshot, output('g')).steps[0]).toMatchObject({ output: 'abcd', outputTruncated: true });
      const open = structuredClone([output('ab')].reduce(limited, emptyProjection()));
      expect(limited(open, output('cd')).steps[0]).toEqual({ agent: 'writer', step: 1, status: 'running', output: 'abcd' });
    });

    it('an appended delta costs its own length: the byte count is kept, never recounted', () => {
      const p = applyEvent(emptyProjection(), output('x'.repeat(1000)));
      const step = p.steps[0];
      step.output = 'changed behind the fold'; // the fold trusts its own count, which is what keeps appends cheap
      applyEvent(p, output('y'));
      expect(outputBytesOf(step)).toBe(1001);
    });
  });
});
