import { FeedbackRequestCommand, StartRequestCommand } from '@app/contracts';
import { parseCommand, parseForwardedCommand } from './parse-command';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseCommand', () => {
  it('accepts a start, drops unknown fields and defaults the context', () => {
    const body = parseCommand(StartRequestCommand, json({ requestId: 'r-1', userQuery: 'q', owner: 'u1', traceId: 't' }));
    expect({ ...body }).toEqual({ requestId: 'r-1', userQuery: 'q', owner: 'u1', context: {} });
  });

  it('refuses bodies that are not JSON or miss fields, naming them', () => {
    expect(() => parseCommand(StartRequestCommand, Buffer.from('{nope'))).toThrow('body is not JSON');
    expect(() => parseCommand(StartRequestCommand, json({ requestId: '-bad', userQuery: '', owner: 'u' }))).toThrow(/requestId.*userQuery/);
    expect(() => parseCommand(FeedbackRequestCommand, json({ requestId: 'r', questionId: 'q' }))).toThrow(/answer/);
    expect(() => parseCommand(StartRequestCommand, json([1]))).toThrow(/object/);
  });
});

describe('parseForwardedCommand', () => {
  it('hands an extension command over as sent, once it names a request', () => {
    expect(parseForwardedCommand(json({ requestId: 'r-1', note: 'hurry', nested: { a: 1 } }))).toEqual({ requestId: 'r-1', note: 'hurry', nested: { a: 1 } });
  });

  it('refuses bodies without a valid requestId, or not a JSON object', () => {
    expect(() => parseForwardedCommand(json({ note: 'x' }))).toThrow(/requestId/);
    expect(() => parseForwardedCommand(json({ requestId: '-bad' }))).toThrow(/requestId/);
    expect(() => parseForwardedCommand(json(['r-1']))).toThrow(/object/);
    expect(() => parseForwardedCommand(Buffer.from('{'))).toThrow('body is not JSON');
  });

  it('keeps a start’s workflow', () => {
    expect({ ...parseCommand(StartRequestCommand, json({ requestId: 'r-1', userQuery: 'q', owner: 'u1', workflow: 'research' })) }).toMatchObject({ workflow: 'research' });
    expect(() => parseCommand(StartRequestCommand, json({ requestId: 'r-1', userQuery: 'q', owner: 'u1', workflow: 'Bad Name' }))).toThrow(/workflow/);
  });
});
