import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { MAX_PAYLOAD_DEPTH } from '@app/contracts';
import { deepJson, deepObject } from './raw-packets';

/**
 * Generators of hostile input for the fuzz tests (issue 15), each case
 * tagged with what the contract says it must get: `VALIDATION_FAILED` when
 * it is invalid by construction, `ANY` when it may be valid (then any
 * contract answer but INTERNAL will do).
 */
export type Expectation = 'VALIDATION_FAILED' | 'ANY';

export interface CommandCase {
  kind: string;
  expect: Expectation;
  /** `client`: socket.io-client's emit with an ack; `raw`: a packet written by hand; `no-ack`: no callback; `extra-args`: arguments after the payload. */
  via: 'client' | 'raw' | 'no-ack' | 'extra-args';
  payload?: unknown;
  /** For `raw`: the packet's JSON (`[event, payload]`) and its binary attachments. */
  json?: string;
  attachments?: Buffer[];
  extra?: unknown[];
}

export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__', 'prototype'];

const jsonValue = fc.jsonValue({ maxDepth: 3 });
/** NUL, lone surrogates, controls, bidi overrides, SQL-ish and template-ish text. */
export const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud800y', '\udc00\ud800', '\uffff', '\u202e', '%00', '%ED%A0%80', '${x}', "'; DROP TABLE requests; --", '\\', ''),
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
);
const hugeString = fc.integer({ min: 10_001, max: 200_000 }).map((n) => 'x'.repeat(n));
/** Any value of any type, weird strings and a few huge ones included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: weirdString, weight: 4 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(-1), fc.constant(2 ** 53)), weight: 3 },
  { arbitrary: fc.array(jsonValue, { maxLength: 4 }), weight: 1 },
  { arbitrary: fc.dictionary(weirdString, jsonValue, { maxKeys: 4 }), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
);

const requestIdChars = fc.constantFrom(...'abcXYZ019._:-'.split(''));
export const validRequestId = fc.string({ unit: requestIdChars, minLength: 0, maxLength: 20 }).map((tail) => `fz-${tail}`);
const invalidRequestId = fc.oneof(
  fc.constantFrom('', '-lead', '.lead', 'has space', 'a/b', 'é', 'a\u0000', 'x'.repeat(129), '\ud800'),
  weirdString.filter((s) => !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(s)),
  fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object()),
);

interface FieldSpec {
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
  required: boolean;
}

const typeField = (name: string): FieldSpec => ({
  valid: fc.constant(name),
  // Not null: an optional field may be null (class-validator's IsOptional).
  invalid: fc.oneof(weirdString.filter((s) => s !== name), fc.integer(), fc.array(fc.constant(name))),
  required: false,
});
const requestIdField: FieldSpec = { valid: validRequestId, invalid: invalidRequestId, required: true };
const textField = (max: number, noNul: boolean): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.string()),
    fc.object(),
    fc.constant('x'.repeat(max + 1)),
    ...(noNul ? [fc.string({ maxLength: 10 }).map((s) => `${s}\u0000`)] : []),
  );

/** Each command's fields (docs/protocol.md §1): what a valid value and an invalid one look like. */
export const COMMAND_FIELDS: Record<string, Record<string, FieldSpec>> = {
  start: {
    type: typeField('start'),
    requestId: requestIdField,
    userQuery: { valid: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => !s.includes('\u0000')), invalid: fc.oneof(textField(10_000, true), fc.constant('')), required: true },
    context: {
      valid: fc.oneof(fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...PROTOTYPE_NAMES)), jsonValue, { maxKeys: 5 }), fc.constant(JSON.parse('{"constructor":{"prototype":{"__proto__":1}}}'))),
      invalid: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(jsonValue), fc.constant({ blob: 'x'.repeat(65 * 1024) })),
      required: false,
    },
  },
  cancel: { type: typeField('cancel'), requestId: requestIdField },
  feedback: {
    type: typeField('feedback'),
    requestId: requestIdField,
    questionId: { valid: fc.string({ minLength: 1, maxLength: 50 }).filter((s) => !s.includes('\u0000')), invalid: fc.oneof(textField(200, true), fc.constant('')), required: true },
    answer: { valid: fc.string({ maxLength: 200 }), invalid: textField(10_000, false), required: true },
  },
  rejoin: {
    type: typeField('rejoin'),
    requestId: requestIdField,
    lastSeq: { valid: fc.nat(), invalid: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant([1])), required: false },
  },
  leave: { type: typeField('leave'), requestId: requestIdField },
};

/** A valid payload of the command (optional fields present or not). */
function validPayload(command: string): fc.Arbitrary<Record<string, unknown>> {
  const fields = COMMAND_FIELDS[command];
  const required = Object.entries(fields).filter(([, spec]) => spec.required).map(([name]) => name);
  return fc.record(Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, spec.valid])), { requiredKeys: required as never[] }) as fc.Arbitrary<Record<string, unknown>>;
}

const withField = (base: Record<string, unknown>, key: string, value: unknown) => ({ ...base, [key]: value });

/** `{ …base, "<key>": value }` with the key as an own property, whatever its name (JSON.parse makes `__proto__` one). */
function withOwnKey(base: Record<string, unknown>, key: string, valueJson: string): Record<string, unknown> {
  const json = JSON.stringify(base);
  return JSON.parse(`${json.slice(0, -1)}${json.length > 2 ? ',' : ''}${JSON.stringify(key)}:${valueJson}}`);
}

/** Every kind of hostile command for one event name, weighted so that ≥ 1,000 of them cover each kind many times. */
export function commandCases(command: string): fc.Arbitrary<CommandCase> {
  const fields = COMMAND_FIELDS[command];
  const names = Object.keys(fields);
  const required = names.filter((n) => fields[n].required);
  const base = validPayload(command);
  const invalid = (kind: string, payload: fc.Arbitrary<unknown>): fc.Arbitrary<CommandCase> => payload.map((p) => ({ kind, expect: 'VALIDATION_FAILED', via: 'client', payload: p }));
  const field = fc.constantFrom(...names);

  const kinds: Array<{ arbitrary: fc.Arbitrary<CommandCase>; weight: number }> = [
    { weight: 2, arbitrary: invalid('not an object', fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.boolean(), fc.array(jsonValue, { maxLength: 3 }), fc.constant(undefined))) },
    { weight: 2, arbitrary: invalid('unknown field', fc.tuple(base, weirdString.filter((k) => !names.includes(k)), hostileValue).map(([b, k, v]) => withField(b, k, v))) },
    {
      weight: 2,
      arbitrary: invalid('prototype-named field', fc.tuple(base, fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom('1', 'null', '{"roles":["admin"]}', '"x"', '[]'))
        .map(([b, k, v]) => withOwnKey(b, k, v))),
    },
    { weight: 3, arbitrary: invalid('wrong value', fc.tuple(base, field).chain(([b, f]) => fields[f].invalid.map((v) => withField(b, f, v)))) },
    ...(required.length > 0
      ? [{ weight: 1, arbitrary: invalid('missing field', fc.tuple(base, fc.constantFrom(...required)).map(([b, f]) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== f)))) }]
      : []),
    { weight: 1, arbitrary: invalid('deep nesting (client)', fc.tuple(base, fc.integer({ min: MAX_PAYLOAD_DEPTH, max: 1500 })).map(([b, depth]) => withField(b, 'nested', deepObject(depth)))) },
    {
      weight: 1,
      arbitrary: fc.tuple(base, fc.integer({ min: 1500, max: 60_000 }), fc.boolean()).map(([b, depth, binary]): CommandCase => {
        const payload = JSON.stringify(b);
        const leaf = binary ? '{"_placeholder":true,"num":0}' : '0';
        return {
          kind: binary ? 'deep nesting (raw, binary)' : 'deep nesting (raw)',
          expect: 'VALIDATION_FAILED',
          via: 'raw',
          json: `[${JSON.stringify(command)},${payload.slice(0, -1)}${payload.length > 2 ? ',' : ''}"nested":${deepJson(depth, leaf)}}]`,
          attachments: binary ? [Buffer.from('bin')] : [],
        };
      }),
    },
    {
      weight: 1,
      arbitrary: invalid('binary attachment', fc.tuple(base, fc.uint8Array({ maxLength: 64 }), fc.boolean()).map(([b, bytes, whole]) => (whole ? Buffer.from(bytes) : withField(b, 'file', { data: Buffer.from(bytes) })))),
    },
    { weight: 1, arbitrary: fc.tuple(base, fc.array(hostileValue, { minLength: 1, maxLength: 3 })).map(([b, extra]): CommandCase => ({ kind: 'extra arguments', expect: 'ANY', via: 'extra-args', payload: b, extra })) },
    { weight: 1, arbitrary: fc.tuple(base, fc.option(hostileValue)).map(([b, v]): CommandCase => ({ kind: 'no ack', expect: 'ANY', via: 'no-ack', payload: v === null ? b : withField(b, 'x', v) })) },
    {
      weight: 3,
      arbitrary: fc.tuple(base, fc.array(fc.tuple(field, hostileValue), { maxLength: 3 })).map(([b, changes]): CommandCase => ({
        kind: 'mutated',
        expect: 'ANY',
        via: 'client',
        payload: changes.reduce((p, [f, v]) => withField(p, f, v), b),
      })),
    },
    { weight: 2, arbitrary: base.map((b): CommandCase => ({ kind: 'valid', expect: 'ANY', via: 'client', payload: b })) },
  ];
  return fc.oneof(...kinds);
}

// ---- handshake ----

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A JWT with any header and claims, signed (HS256) with `secret`. */
export function forgeToken(header: unknown, claims: unknown, secret: string): string {
  const body = `${base64url(header)}.${base64url(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Tokens the gateway must refuse with `connect_error` 'unauthorized'. */
export function badTokens(secret: string): fc.Arbitrary<unknown> {
  const now = Math.floor(Date.now() / 1000);
  const hs = { alg: 'HS256', typ: 'JWT' };
  return fc.oneof(
    fc.string({ maxLength: 100 }),
    weirdString,
    fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string()), fc.object()),
    fc.string({ minLength: 1, maxLength: 20 }).map((sub) => forgeToken(hs, { sub, exp: now + 600 }, `${secret}-wrong`)),
    fc.string({ minLength: 1, maxLength: 20 }).map((sub) => `${base64url({ alg: 'none' })}.${base64url({ sub, roles: ['admin'] })}.`),
    fc.constantFrom(
      forgeToken(hs, { sub: 'u', exp: now - 60 }, secret),
      forgeToken(hs, { exp: now + 600 }, secret),
      forgeToken(hs, { sub: '', exp: now + 600 }, secret),
      forgeToken(hs, { sub: 'a\u0000b', exp: now + 600 }, secret),
      forgeToken(hs, { sub: 'x'.repeat(201), exp: now + 600 }, secret),
      forgeToken(hs, { sub: 42, exp: now + 600 }, secret),
      forgeToken(hs, { sub: 'u', exp: 'tomorrow' }, secret),
      forgeToken({ alg: 'HS512', typ: 'JWT' }, { sub: 'u', exp: now + 600 }, secret),
      forgeToken({ alg: 'RS256', typ: 'JWT' }, { sub: 'u', exp: now + 600 }, secret),
      forgeToken(hs, { sub: 'u', exp: now + 600, nbf: now + 3600 }, secret),
      `${forgeToken(hs, { sub: 'u', exp: now + 600 }, secret)}x`,
      'x'.repeat(200_000),
      'a.b.c',
      '...',
    ),
  );
}

/** Handshake `query.requestId` values that are not request ids. */
export const badQueryRequestIds = fc.oneof(
  fc.constantFrom('', '-x', 'a b', 'x'.repeat(129), 'a\u0000', '../../etc', '%ED%A0%80', 'é'),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).filter((s) => !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(s)),
);
