import { ErrorCode, type ErrorBody, type FieldError } from '@app/contracts/wire';

/** A command the gateway refused (or could not take): `code` is the contract's error code. */
export class ClientCommandError extends Error {
  override name = 'ClientCommandError';
  readonly code: ErrorCode;
  readonly details?: FieldError[];

  constructor(body: ErrorBody) {
    super(body.message);
    this.code = body.code;
    if (body.details) this.details = body.details;
  }
}

export { ErrorCode };
