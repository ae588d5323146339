import { CancelCommand, CONTEXT_MAX_BYTES, FeedbackCommand, LeaveCommand, RejoinCommand, StartCommand } from './client-commands';
import { CommandError, ErrorCode, type FieldError } from './error-codes';
import { validatePayload } from './validation';

type Dto = Parameters<typeof validatePayload>[0];

/** The `details` of the VALIDATION_FAILED the payload is refused with. */
function refusal(dto: Dto, payload: unknown): FieldError[] {
  try {
    validatePayload(dto, payload);
  } catch (error) {
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).code).toBe(ErrorCode.VALIDATION_FAILED);
    return (error as CommandError).details ?? [];
  }
  throw new Error('expected VALIDATION_FAILED');
}

const fields = (details: FieldError[]) => details.map((d) => d.field).sort();
const reasonsFor = (details: FieldError[], field: string) => details.find((d) => d.field === field)?.reasons ?? [];

describe('client commands (docs/protocol.md §1 "Client → server")', () => {
  describe('start', () => {
    it('accepts { requestId, userQuery, context }', () => {
      const command = validatePayload(StartCommand, { requestId: 'req-123', userQuery: 'compare prices', context: { demo: { steps: 2 } } });
      expect(command).toBeInstanceOf(StartCommand);
      expect(command).toEqual({ requestId: 'req-123', userQuery: 'compare prices', context: { demo: { steps: 2 } } });
    });

    it('context is optional', () => {
      expect(validatePayload(StartCommand, { requestId: 'req-123', userQuery: 'q' })).toEqual({ requestId: 'req-123', userQuery: 'q' });
    });

    it('lists each bad field with its reasons', () => {
      const details = refusal(StartCommand, { requestId: '-bad', userQuery: '', context: 'x', extra: 1 });
      expect(fields(details)).toEqual(['context', 'extra', 'requestId', 'userQuery']);
      expect(reasonsFor(details, 'requestId')).toEqual(['requestId must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$']);
      expect(reasonsFor(details, 'userQuery').join()).toMatch(/userQuery must be longer than or equal to 1 characters/);
      expect(reasonsFor(details, 'context')).toEqual(['context must be an object']);
      expect(reasonsFor(details, 'extra')).toEqual(['property extra should not exist']);
    });

    it('the CommandError message names the bad fields', () => {
      expect(() => validatePayload(StartCommand, { requestId: 'r1' })).toThrow(/invalid payload: .*userQuery/);
    });

    it('userQuery of 1 and of 10000 characters is accepted', () => {
      expect(validatePayload(StartCommand, { requestId: 'r1', userQuery: 'q' }).userQuery).toBe('q');
      expect(validatePayload(StartCommand, { requestId: 'r1', userQuery: 'q'.repeat(10_000) }).userQuery).toHaveLength(10_000);
    });

    it.each([
      ['empty', ''],
      ['10001 characters', 'q'.repeat(10_001)],
      ['not a string', 42],
      ['missing', undefined],
    ])('userQuery %s is refused', (_case, userQuery) => {
      expect(fields(refusal(StartCommand, { requestId: 'r1', userQuery }))).toEqual(['userQuery']);
    });

    it('context of exactly 64 KiB as JSON is accepted', () => {
      const context = { pad: 'x'.repeat(CONTEXT_MAX_BYTES - '{"pad":""}'.length) };
      expect(Buffer.byteLength(JSON.stringify(context))).toBe(64 * 1024);
      const accepted = validatePayload(StartCommand, { requestId: 'r1', userQuery: 'q', context });
      expect((accepted.context?.pad as string).length).toBe(context.pad.length);
    });

    it('context one byte over 64 KiB is refused', () => {
      const context = { pad: 'x'.repeat(CONTEXT_MAX_BYTES - '{"pad":""}'.length + 1) };
      const details = refusal(StartCommand, { requestId: 'r1', userQuery: 'q', context });
      expect(details).toEqual([{ field: 'context', reasons: ['context must take at most 65536 bytes as JSON'] }]);
    });

    it('context size counts UTF-8 bytes: multi-byte characters count as bytes, not characters', () => {
      // 'é' is one UTF-16 character but two UTF-8 bytes: 40000 characters, 80000+ bytes.
      const context = { note: 'é'.repeat(40_000) };
      expect(JSON.stringify(context).length).toBeLessThan(CONTEXT_MAX_BYTES);
      expect(fields(refusal(StartCommand, { requestId: 'r1', userQuery: 'q', context }))).toEqual(['context']);
    });

    it('context must be an object, not an array', () => {
      expect(fields(refusal(StartCommand, { requestId: 'r1', userQuery: 'q', context: ['a'] }))).toEqual(['context']);
    });
  });

  describe('the guide\'s `type` field', () => {
    it.each([
      ['start', StartCommand, { requestId: 'r1', userQuery: 'q' }],
      ['cancel', CancelCommand, { requestId: 'r1' }],
      ['feedback', FeedbackCommand, { requestId: 'r1', questionId: 'q1', answer: 'yes' }],
      ['rejoin', RejoinCommand, { requestId: 'r1', lastSeq: 3 }],
      ['leave', LeaveCommand, { requestId: 'r1' }],
    ] as const)('type %j equal to the event name is accepted', (type, dto, payload) => {
      expect(validatePayload(dto as Dto, { ...payload, type })).toMatchObject({ ...payload, type });
    });

    it.each([
      ['start', StartCommand, { requestId: 'r1', userQuery: 'q' }],
      ['cancel', CancelCommand, { requestId: 'r1' }],
      ['feedback', FeedbackCommand, { requestId: 'r1', questionId: 'q1', answer: 'yes' }],
      ['rejoin', RejoinCommand, { requestId: 'r1' }],
      ['leave', LeaveCommand, { requestId: 'r1' }],
    ] as const)('any other type on %s is refused', (name, dto, payload) => {
      const details = refusal(dto as Dto, { ...payload, type: name === 'cancel' ? 'leave' : 'cancel' });
      expect(details).toEqual([{ field: 'type', reasons: [`type must be '${name}' when given`] }]);
    });
  });

  describe('cancel and leave', () => {
    it.each([
      ['cancel', CancelCommand],
      ['leave', LeaveCommand],
    ] as const)('%s takes { requestId }', (_name, dto) => {
      expect(validatePayload(dto as Dto, { requestId: 'req-1.a_b:c-d' })).toEqual({ requestId: 'req-1.a_b:c-d' });
    });

    it.each([
      ['missing', {}],
      ['empty', { requestId: '' }],
      ['with a space', { requestId: 'req 1' }],
      ['starting with a dot', { requestId: '.req' }],
      ['129 characters', { requestId: 'r'.repeat(129) }],
      ['a number', { requestId: 123 }],
    ])('a requestId %s is refused', (_case, payload) => {
      expect(fields(refusal(CancelCommand, payload))).toEqual(['requestId']);
    });

    it('a requestId of 128 characters is accepted', () => {
      expect(validatePayload(LeaveCommand, { requestId: 'r'.repeat(128) }).requestId).toHaveLength(128);
    });

    it('unknown fields are refused, not dropped', () => {
      expect(refusal(CancelCommand, { requestId: 'r1', reason: 'bored' })).toEqual([{ field: 'reason', reasons: ['property reason should not exist'] }]);
    });
  });

  describe('feedback', () => {
    it('takes { requestId, questionId, answer }', () => {
      expect(validatePayload(FeedbackCommand, { requestId: 'r1', questionId: 'executor-agent:q1', answer: 'yes' })).toEqual({
        requestId: 'r1',
        questionId: 'executor-agent:q1',
        answer: 'yes',
      });
    });

    it('an empty answer and one of 10000 characters are accepted', () => {
      expect(validatePayload(FeedbackCommand, { requestId: 'r1', questionId: 'q1', answer: '' }).answer).toBe('');
      expect(validatePayload(FeedbackCommand, { requestId: 'r1', questionId: 'q1', answer: 'a'.repeat(10_000) }).answer).toHaveLength(10_000);
    });

    it('an answer over 10000 characters is refused', () => {
      expect(fields(refusal(FeedbackCommand, { requestId: 'r1', questionId: 'q1', answer: 'a'.repeat(10_001) }))).toEqual(['answer']);
    });

    it('lists questionId and answer when both are missing', () => {
      expect(fields(refusal(FeedbackCommand, { requestId: 'r1' }))).toEqual(['answer', 'questionId']);
    });
  });

  describe('rejoin', () => {
    it.each([0, 1, 12345])('lastSeq %d is accepted', (lastSeq) => {
      expect(validatePayload(RejoinCommand, { requestId: 'r1', lastSeq }).lastSeq).toBe(lastSeq);
    });

    it('lastSeq is optional', () => {
      expect(validatePayload(RejoinCommand, { requestId: 'r1' })).toEqual({ requestId: 'r1' });
    });

    it.each([
      ['negative', -1, 'lastSeq must not be less than 0'],
      ['fractional', 1.5, 'lastSeq must be an integer number'],
      ['a numeric string', '3', 'lastSeq must be an integer number'],
    ])('lastSeq %s is refused', (_case, lastSeq, reason) => {
      const details = refusal(RejoinCommand, { requestId: 'r1', lastSeq });
      expect(fields(details)).toEqual(['lastSeq']);
      expect(reasonsFor(details, 'lastSeq')).toContain(reason);
    });
  });
});

describe('start context: null', () => {
  it('is refused (absent is fine, null is not an object)', () => {
    expect(() => validatePayload(StartCommand, { requestId: 'r1', userQuery: 'q', context: null })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'context' })] }),
    );
  });
});
