import { HttpStatus } from '@nestjs/common';
import { CommandError, ErrorCode, type ErrorBody } from '@app/contracts';
import { toAckFailure } from '../socket';

/** No valid bearer token: 401. The body keeps a code of the contract (docs/protocol.md §1 has no "unauthenticated"). */
export class MissingCredentialsError extends CommandError {
  constructor() {
    super(ErrorCode.FORBIDDEN, 'a valid bearer token is required (Authorization: Bearer <JWT with role admin>)');
  }
}

/** The one mapping from a contract error code to an HTTP status. */
export function httpStatusOf(code: ErrorCode): HttpStatus {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.FORBIDDEN:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.CONFLICT:
      return HttpStatus.CONFLICT;
    case ErrorCode.RATE_LIMITED:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.UNAVAILABLE:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.INTERNAL:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default: {
      const unhandled: never = code;
      throw new Error(`no HTTP status for error code ${String(unhandled)}`);
    }
  }
}

/** Any thrown error as an HTTP status and a contract error body (same classification as socket acks). */
export function toHttpError(error: unknown): { status: HttpStatus; body: ErrorBody } {
  if (error instanceof MissingCredentialsError) return { status: HttpStatus.UNAUTHORIZED, body: error.toBody() };
  const { error: body } = toAckFailure(error);
  return { status: httpStatusOf(body.code), body };
}
