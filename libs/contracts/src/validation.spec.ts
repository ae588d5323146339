import 'reflect-metadata';
import { IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { CommandError, ErrorCode } from './error-codes';
import { jsonByteLength, MaxJsonBytes, validatePayload } from './validation';

class Inner {
  @IsInt() n!: number;
}

class Sample {
  @IsString() name!: string;

  @IsOptional() @MaxJsonBytes(10) blob?: unknown;

  @IsOptional() @ValidateNested() @Type(() => Inner) inner?: Inner;
}

function failure(payload: unknown): CommandError {
  try {
    validatePayload(Sample, payload);
  } catch (error) {
    return error as CommandError;
  }
  throw new Error('expected a failure');
}

describe('validatePayload', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', '{"name":"x"}'],
    ['a number', 7],
    ['an array', [{ name: 'x' }]],
  ])('a payload that is %s is VALIDATION_FAILED "payload must be an object"', (_case, payload) => {
    const error = failure(payload);
    expect(error).toBeInstanceOf(CommandError);
    expect(error.toBody()).toEqual({
      code: ErrorCode.VALIDATION_FAILED,
      message: 'payload must be an object',
      details: [{ field: '(payload)', reasons: ['payload must be an object'] }],
    });
  });

  it('returns an instance of the DTO', () => {
    expect(validatePayload(Sample, { name: 'x' })).toBeInstanceOf(Sample);
  });

  it('refuses unknown fields, each listed', () => {
    expect(failure({ name: 'x', a: 1, b: 2 }).details).toEqual([
      { field: 'a', reasons: ['property a should not exist'] },
      { field: 'b', reasons: ['property b should not exist'] },
    ]);
  });

  it('names nested fields with a dotted path', () => {
    expect(failure({ name: 'x', inner: { n: 'one' } }).details).toEqual([{ field: 'inner.n', reasons: ['n must be an integer number'] }]);
  });

  it('MaxJsonBytes counts UTF-8 bytes of the JSON', () => {
    expect(validatePayload(Sample, { name: 'x', blob: 'abcdefgh' }).blob).toBe('abcdefgh'); // "abcdefgh" = 10 bytes
    expect(failure({ name: 'x', blob: 'abcdefghi' }).details).toEqual([{ field: 'blob', reasons: ['blob must take at most 10 bytes as JSON'] }]);
    expect(failure({ name: 'x', blob: 'ééééé' }).details?.[0].field).toBe('blob'); // 5 characters, 12 bytes
  });
});

describe('jsonByteLength', () => {
  it('measures the UTF-8 JSON', () => {
    expect(jsonByteLength({ a: 1 })).toBe(7);
    expect(jsonByteLength('é')).toBe(4);
    expect(jsonByteLength('😀')).toBe(6);
    expect(jsonByteLength(undefined)).toBe(0);
  });
});
