import { MAX_PAYLOAD_DEPTH, UnusableEventError } from '@app/contracts';
import { decodeAgentEventBody } from './agent-event-body';

const reasonFor = (content: Buffer, maxBytes = 1024) => {
  try {
    decodeAgentEventBody(content, maxBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(UnusableEventError);
    return (error as Error).message;
  }
  throw new Error('expected the body to be refused');
};

describe('decodeAgentEventBody (docs/protocol.md §2: unusable bodies)', () => {
  it('reads a UTF-8 JSON body', () => {
    expect(decodeAgentEventBody(Buffer.from('{"a":"é😀"}'), 1024)).toEqual({ a: 'é😀' });
  });

  it('refuses a body over MAX_EVENT_BYTES, and takes one exactly at it', () => {
    const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(100) }));
    expect(decodeAgentEventBody(body, body.length)).toEqual({ pad: 'x'.repeat(100) });
    expect(reasonFor(body, body.length - 1)).toBe(`body is ${body.length} bytes, more than MAX_EVENT_BYTES (${body.length - 1})`);
  });

  it.each([
    ['a lone continuation byte inside a string', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d])],
    ['an encoded surrogate (CESU-8) inside a string', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])],
    ['a truncated sequence at the end', Buffer.concat([Buffer.from('{"a":1}'), Buffer.from([0xe2, 0x82])])],
    ['Latin-1 text', Buffer.from('{"a":"caf\u00e9"}', 'latin1')],
  ])('refuses invalid UTF-8: %s (never recorded with U+FFFD)', (_case, content) => {
    expect(reasonFor(content)).toBe('body is not valid UTF-8');
  });

  it('refuses text that is not JSON', () => {
    expect(reasonFor(Buffer.from('{"a":'))).toBe('body is not JSON');
  });

  it('refuses nesting deeper than a payload may have, without recursion', () => {
    const depth = 100_000;
    expect(reasonFor(Buffer.from('{"data":' + '['.repeat(depth) + ']'.repeat(depth) + '}'), 1e6)).toBe(`data is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  });
});
