import { isUsableEnvelope } from './agent-event-mapping';
import { AgentEventBody } from './amqp';
import { validateKnownFields } from './validation';

/** What the DTO (the contract's source of truth) says of a body. */
function dtoAccepts(raw: unknown): boolean {
  try {
    validateKnownFields(AgentEventBody, raw);
    return true;
  } catch {
    return false;
  }
}

const valid = { type: 'executor.step.progress', requestId: 'req-1', agent: 'executor-agent', eventId: 'e-1', data: { status: 'running' } };
const strings = ['', 'a', 'x'.repeat(200), 'x'.repeat(201), '😀'.repeat(100), '😀'.repeat(101), 'a\u0000b', ' lead', 'bad id', 'ok.id:-_', '-dash', 'é'];
const others = [undefined, null, 0, 1, true, [], ['a'], {}, { a: 1 }, () => 1, new Date(0)];
const fields = ['type', 'requestId', 'agent', 'eventId', 'data'] as const;

describe('the fast agent-event envelope check agrees with the AgentEventBody DTO', () => {
  const cases: Array<[string, unknown]> = [['the valid body', valid]];
  for (const field of fields) {
    for (const value of [...strings, ...others]) cases.push([`${field} = ${JSON.stringify(value) ?? String(value)}`, { ...valid, [field]: value }]);
    const without: Record<string, unknown> = { ...valid };
    delete without[field];
    cases.push([`without ${field}`, without]);
  }
  for (const raw of [...others, 'string', 42, [valid]]) cases.push([`a body that is ${JSON.stringify(raw) ?? String(raw)}`, raw]);
  cases.push(['extra top-level fields', { ...valid, traceId: 'abc', nested: { x: 1 } }]);
  cases.push(['a requestId of 128 characters', { ...valid, requestId: 'r'.repeat(128) }]);
  cases.push(['a requestId of 129 characters', { ...valid, requestId: 'r'.repeat(129) }]);

  it.each(cases)('%s', (_name, raw) => {
    expect(isUsableEnvelope(raw)).toBe(dtoAccepts(raw));
  });

  it('agrees on random mixes of field values', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pool = [...strings, ...others, 'req-2', 'agent-b'];
    for (let i = 0; i < 2000; i++) {
      const body: Record<string, unknown> = {};
      for (const field of fields) if (random() < 0.9) body[field] = random() < 0.5 ? (valid as Record<string, unknown>)[field] : pool[Math.floor(random() * pool.length)];
      expect([i, isUsableEnvelope(body)]).toEqual([i, dtoAccepts(body)]);
    }
  });
});
