import { HttpException, HttpStatus } from '@nestjs/common';
import { CommandError, ErrorCode, type ErrorBody, type FieldError } from '@app/contracts';
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

/** The contract code of a framework's HTTP status (docs/protocol.md §1 codes; §3 "bad query or path values → 400"). */
export function errorCodeOfStatus(status: number): ErrorCode {
  if (status === HttpStatus.UNAUTHORIZED || status === HttpStatus.FORBIDDEN) return ErrorCode.FORBIDDEN;
  if (status === HttpStatus.NOT_FOUND || status === HttpStatus.METHOD_NOT_ALLOWED) return ErrorCode.NOT_FOUND;
  if (status === HttpStatus.CONFLICT) return ErrorCode.CONFLICT;
  if (status === HttpStatus.TOO_MANY_REQUESTS) return ErrorCode.RATE_LIMITED;
  if (status === HttpStatus.SERVICE_UNAVAILABLE) return ErrorCode.UNAVAILABLE;
  // 400, 413, 415, 422…: the request itself is wrong or over a limit.
  return status < 500 ? ErrorCode.VALIDATION_FAILED : ErrorCode.INTERNAL;
}

/** A status the framework or body-parser attached to an error it threw (http-errors' `expose`: safe to show). */
function frameworkStatus(error: unknown): { status: number; message: string } | null {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const text = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    return { status: error.getStatus(), message: Array.isArray(text) ? text.join('; ') : typeof text === 'string' ? text : error.message };
  }
  const { status, statusCode, expose, message } = (error ?? {}) as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (expose === true && typeof code === 'number' && code >= 400 && code < 500) return { status: code, message: String(message) };
  return null;
}

/** The first path segment that is not valid percent-encoded UTF-8, named after its route parameter. */
function undecodableSegment(url: string): FieldError | null {
  const segments = url.split('?')[0].split('/');
  const index = segments.findIndex((segment) => {
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });
  if (index < 0) return null;
  // `/admin/requests/:id…` is the only route with a parameter.
  const field = segments[1] === 'admin' && segments[2] === 'requests' && index === 3 ? 'id' : '(path)';
  return { field, reasons: [`${field} must be valid percent-encoded UTF-8`] };
}

/** Terminus' readiness failure: which checks are down, as a message. */
function readinessMessage(error: HttpException): string | null {
  const response = error.getResponse() as { error?: Record<string, { message?: string }> };
  if (typeof response !== 'object' || !response.error) return null;
  return `not ready: ${Object.entries(response.error).map(([name, check]) => (check.message ? `${name} (${check.message})` : name)).join(', ')}`;
}

/**
 * Any thrown error as an HTTP status and a contract error body (same
 * classification as socket acks): contract errors keep their code, the
 * framework's client errors keep their status with the matching code, and
 * anything else is INTERNAL without its message. `url` lets an undecodable
 * path name its field.
 */
export function toHttpError(error: unknown, url = ''): { status: HttpStatus; body: ErrorBody } {
  if (error instanceof MissingCredentialsError) return { status: HttpStatus.UNAUTHORIZED, body: error.toBody() };
  if (!(error instanceof CommandError)) {
    const framework = frameworkStatus(error);
    if (framework && framework.status === HttpStatus.BAD_REQUEST) {
      const field = undecodableSegment(url);
      if (field) return { status: HttpStatus.BAD_REQUEST, body: { code: ErrorCode.VALIDATION_FAILED, message: `invalid path: ${field.field}`, details: [field] } };
    }
    if (framework && framework.status < 500) return { status: framework.status, body: { code: errorCodeOfStatus(framework.status), message: framework.message } };
    if (error instanceof HttpException && error.getStatus() === HttpStatus.SERVICE_UNAVAILABLE) {
      return { status: HttpStatus.SERVICE_UNAVAILABLE, body: { code: ErrorCode.UNAVAILABLE, message: readinessMessage(error) ?? framework?.message ?? 'service unavailable' } };
    }
  }
  const { error: body } = toAckFailure(error);
  return { status: httpStatusOf(body.code), body };
}
