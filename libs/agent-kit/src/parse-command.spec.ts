import { FeedbackRequestCommand, StartRequestCommand } from '@app/contracts';
import { parseCommand } from './parse-command';

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
