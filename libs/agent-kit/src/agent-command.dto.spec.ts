import { FeedbackRequestBody, parseCommand, StartRequestBody } from './agent-command.dto';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseCommand', () => {
  it('accepts a start, drops unknown fields and defaults the context', () => {
    const body = parseCommand(StartRequestBody, json({ requestId: 'r-1', userQuery: 'q', owner: 'u1', traceId: 't' }));
    expect({ ...body }).toEqual({ requestId: 'r-1', userQuery: 'q', owner: 'u1', context: {} });
  });

  it('refuses bodies that are not JSON or miss fields, naming them', () => {
    expect(() => parseCommand(StartRequestBody, Buffer.from('{nope'))).toThrow('body is not JSON');
    expect(() => parseCommand(StartRequestBody, json({ requestId: '-bad', userQuery: '', owner: 'u' }))).toThrow(/requestId.*userQuery/);
    expect(() => parseCommand(FeedbackRequestBody, json({ requestId: 'r', questionId: 'q' }))).toThrow(/answer/);
    expect(() => parseCommand(StartRequestBody, json([1]))).toThrow(/object/);
  });
});
