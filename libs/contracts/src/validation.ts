import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage, Matches, registerDecorator, validateSync, ValidationTypes, type ValidationError, type ValidationOptions } from 'class-validator';
import { CommandError, ErrorCode, type FieldError } from './error-codes';

/** Bytes of the value as UTF-8 JSON: how docs/protocol.md measures sizes. */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Postgres text cannot hold NUL: strings stored as text columns refuse it up front. */
export function NoNulCharacters(): PropertyDecorator {
  return Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL (\\u0000) characters' });
}

/** The value, serialised as UTF-8 JSON, takes at most `max` bytes. */
export function MaxJsonBytes(max: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'maxJsonBytes',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [max],
      options: { message: `$property must take at most ${max} bytes as JSON`, ...options },
      validator: { validate: (value: unknown) => value === undefined || jsonByteLength(value) <= max },
    });
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix + error.property;
    const own = error.constraints ? [{ field, reasons: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });
}

/**
 * Like `validatePayload`, but fields the DTO does not declare are dropped
 * rather than refused: for broker bodies, where a newer producer may add
 * fields (tracing, say) without breaking older consumers.
 */
export function validateKnownFields<T extends object>(dto: ClassConstructor<T>, payload: unknown): T {
  return validatePayload(dto, payload, { refuseUnknownFields: false });
}

/**
 * Deepest nesting a payload may have, the payload itself being level 1 (free-form
 * fields such as `context` included). Deeper values overflow the call stack of
 * recursive code (JSON.stringify, class-transformer) long before any limit in bytes.
 */
export const MAX_PAYLOAD_DEPTH = 64;

const isBinary = (value: object) => ArrayBuffer.isView(value) || value instanceof ArrayBuffer;

/**
 * Where `value` stops being plain JSON data: a binary value (a Socket.IO
 * attachment) or nesting deeper than `maxDepth`; null when it is fine. Walked
 * with an explicit stack, so that no payload can exhaust the call stack. The
 * field named is the top-level one that holds the problem.
 */
export function findShapeProblem(value: unknown, maxDepth = MAX_PAYLOAD_DEPTH): FieldError | null {
  const pending: Array<{ value: unknown; depth: number; field: string }> = [{ value, depth: 1, field: '(payload)' }];
  while (pending.length > 0) {
    const { value: item, depth, field } = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (isBinary(item)) return { field, reasons: [`${field} must be JSON data, not binary`] };
    if (depth > maxDepth) return { field, reasons: [`${field} is nested deeper than ${maxDepth} levels`] };
    for (const [key, child] of Object.entries(item)) pending.push({ value: child, depth: depth + 1, field: depth === 1 ? key : field });
  }
  return null;
}

interface DeclaredFields {
  /** Every property the DTO declares through its validation decorators (inherited ones included). */
  all: ReadonlySet<string>;
  /** Those validated as nested DTOs (`@ValidateNested()`): class-transformer builds them. */
  nested: ReadonlySet<string>;
}
const declaredFieldsByDto = new Map<Function, DeclaredFields>();

function declaredFields(dto: Function): DeclaredFields {
  let fields = declaredFieldsByDto.get(dto);
  if (!fields) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false);
    fields = {
      all: new Set(metadata.map((m) => m.propertyName)),
      nested: new Set(metadata.filter((m) => m.type === ValidationTypes.NESTED_VALIDATION).map((m) => m.propertyName)),
    };
    declaredFieldsByDto.set(dto, fields);
  }
  return fields;
}

function validationFailed(details: FieldError[]): CommandError {
  return new CommandError(ErrorCode.VALIDATION_FAILED, `invalid payload: ${details.map((d) => d.field).join(', ')}`, details);
}

/**
 * Turns an untrusted payload into a validated instance of `dto`, or throws a
 * `VALIDATION_FAILED` CommandError listing every field and why. Unknown fields
 * are refused, not silently dropped (unless told otherwise): every own key is
 * checked, `__proto__` and `toString` included (at the top level; a nested
 * DTO's own keys are whitelisted by class-validator). Scalar fields and nested
 * DTOs go through class-transformer (a query string's digits become a number);
 * other object values (free-form JSON such as `context`) are kept exactly as
 * sent, whatever keys they hold.
 */
export function validatePayload<T extends object>(dto: ClassConstructor<T>, payload: unknown, { refuseUnknownFields = true } = {}): T {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new CommandError(ErrorCode.VALIDATION_FAILED, 'payload must be an object', [
      { field: '(payload)', reasons: ['payload must be an object'] },
    ]);
  }
  const shapeProblem = findShapeProblem(payload);
  if (shapeProblem) throw validationFailed([shapeProblem]);
  const known = declaredFields(dto);
  const fields = Object.entries(payload);
  const unknown = refuseUnknownFields ? fields.filter(([key]) => !known.all.has(key)) : [];
  const declared = fields.filter(([key]) => known.all.has(key));
  const keptAsSent = ([key, value]: [string, unknown]) => value !== null && typeof value === 'object' && !known.nested.has(key);
  const instance = plainToInstance(dto, Object.fromEntries(declared.filter((field) => !keptAsSent(field))));
  for (const [key, value] of declared.filter(keptAsSent)) (instance as Record<string, unknown>)[key] = value;
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: refuseUnknownFields, forbidUnknownValues: true });
  const details = [...flatten(errors), ...unknown.map(([key]) => ({ field: key, reasons: [`property ${key} should not exist`] }))];
  if (details.length > 0) throw validationFailed(details);
  return instance;
}
