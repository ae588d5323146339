import { ErrorCode, type FieldError } from '@app/contracts/wire';

/**
 * The codes a command can fail with: the contract's, and the client's own
 * `UNAUTHORIZED` — the gateway refused the token at the handshake (missing,
 * malformed, wrongly signed, expired), so no command can reach it. With a
 * string token at the first refusal; with a token function once a fresh
 * token was refused too.
 */
export const ClientErrorCode = { ...ErrorCode, UNAUTHORIZED: 'UNAUTHORIZED' } as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A command the gateway refused (or could not take): `code` is the contract's error code, or the client's `UNAUTHORIZED`. */
export class ClientCommandError extends Error {
  override name = 'ClientCommandError';
  readonly code: ClientErrorCode;
  readonly details?: FieldError[];

  constructor(body: { code: ClientErrorCode; message: string; details?: FieldError[] }) {
    super(body.message);
    this.code = body.code;
    if (body.details) this.details = body.details;
  }
}

export { ErrorCode };
