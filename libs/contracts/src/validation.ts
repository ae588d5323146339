import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { Matches, registerDecorator, validateSync, type ValidationError, type ValidationOptions } from 'class-validator';
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
 * Turns an untrusted payload into a validated instance of `dto`, or throws a
 * `VALIDATION_FAILED` CommandError listing every field and why. Unknown fields
 * are refused, not silently dropped (unless told otherwise).
 */
export function validatePayload<T extends object>(dto: ClassConstructor<T>, payload: unknown, { refuseUnknownFields = true } = {}): T {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new CommandError(ErrorCode.VALIDATION_FAILED, 'payload must be an object', [
      { field: '(payload)', reasons: ['payload must be an object'] },
    ]);
  }
  const instance = plainToInstance(dto, payload);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: refuseUnknownFields, forbidUnknownValues: true });
  if (errors.length > 0) {
    const details = flatten(errors);
    throw new CommandError(ErrorCode.VALIDATION_FAILED, `invalid payload: ${details.map((d) => d.field).join(', ')}`, details);
  }
  return instance;
}
