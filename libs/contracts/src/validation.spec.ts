import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { CommandError, ErrorCode } from './error-codes';
import { findShapeProblem, jsonByteLength, MAX_PAYLOAD_DEPTH, MaxJsonBytes, validatePayload, validateKnownFields } from './validation';

class Inner {
  @IsInt() n!: number;
}

class Sample {
  @IsString() name!: string;

  @IsOptional() @ValidateNested() @Type(() => Inner) inner?: Inner;

  @IsOptional() @MaxJsonBytes(10) blob?: unknown;

  @IsOptional() @IsObject() free?: Record<string, unknown>;
}

/** `{ a: { a: … } }`, `depth` levels, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let level = root;
  for (let i = 1; i < depth; i++) level = (level.a = {}) as Record<string, unknown>;
  return root;
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

  it('builds nested DTOs and names their fields with a dotted path', () => {
    expect(validatePayload(Sample, { name: 'x', inner: { n: 1 } }).inner).toBeInstanceOf(Inner);
    expect(failure({ name: 'x', inner: { n: 'one' } }).details).toEqual([{ field: 'inner.n', reasons: ['n must be an integer number'] }]);
  });

  it.each([MAX_PAYLOAD_DEPTH, 3_000, 100_000])('deep nesting (%i levels under a field) is VALIDATION_FAILED naming the field, without recursion', (depth) => {
    expect(failure({ name: 'x', free: nested(depth) }).details).toEqual([
      { field: 'free', reasons: [`free is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`] },
    ]);
  });

  it('accepts nesting up to the limit', () => {
    expect(validatePayload(Sample, { name: 'x', free: nested(MAX_PAYLOAD_DEPTH - 1) }).free).toEqual(nested(MAX_PAYLOAD_DEPTH - 1));
  });

  it.each(['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'])(
    'refuses an unknown field named after Object.prototype: %s',
    (key) => {
      const payload = JSON.parse(`{"name":"x","${key}":1}`);
      expect(failure(payload).details).toEqual([{ field: key, reasons: [`property ${key} should not exist`] }]);
    },
  );

  it('drops prototype-named fields when unknown fields are tolerated, and never touches the prototype', () => {
    const parsed = validateKnownFields(Sample, JSON.parse('{"name":"x","__proto__":{"polluted":true},"constructor":1}'));
    expect(Object.getPrototypeOf(parsed)).toBe(Sample.prototype);
    expect(Object.keys(parsed)).toEqual(['name']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps a free-form object exactly as sent, constructor and __proto__ keys at any depth included', () => {
    const free = JSON.parse('{"constructor":{"constructor":{"prototype":1}},"a":[{"__proto__":{"x":1},"toString":"s"}]}');
    const parsed = validatePayload(Sample, { name: 'x', free });
    expect(parsed.free).toBe(free);
    expect(JSON.stringify(parsed.free)).toBe('{"constructor":{"constructor":{"prototype":1}},"a":[{"__proto__":{"x":1},"toString":"s"}]}');
  });

  it('refuses binary values (Socket.IO attachments) anywhere', () => {
    expect(failure(Buffer.from('hi')).details).toEqual([{ field: '(payload)', reasons: ['(payload) must be JSON data, not binary'] }]);
    expect(failure({ name: 'x', free: { b: [new Uint8Array(2)] } }).details).toEqual([{ field: 'free', reasons: ['free must be JSON data, not binary'] }]);
  });

  it('MaxJsonBytes counts UTF-8 bytes of the JSON', () => {
    expect(validatePayload(Sample, { name: 'x', blob: 'abcdefgh' }).blob).toBe('abcdefgh'); // "abcdefgh" = 10 bytes
    expect(failure({ name: 'x', blob: 'abcdefghi' }).details).toEqual([{ field: 'blob', reasons: ['blob must take at most 10 bytes as JSON'] }]);
    expect(failure({ name: 'x', blob: 'ééééé' }).details?.[0].field).toBe('blob'); // 5 characters, 12 bytes
  });
});

describe('findShapeProblem', () => {
  it('passes scalars, plain data and long flat arrays', () => {
    expect(findShapeProblem('x')).toBeNull();
    expect(findShapeProblem({ a: [1, { b: null }], c: 'd' })).toBeNull();
    expect(findShapeProblem(Array.from({ length: 100_000 }, (_, i) => i))).toBeNull();
  });

  it('counts arrays as levels', () => {
    let deep: unknown[] = [];
    for (let i = 1; i < 10_000; i++) deep = [deep];
    expect(findShapeProblem({ n: deep }, 10)).toEqual({ field: 'n', reasons: ['n is nested deeper than 10 levels'] });
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
