import { NotFoundException, ServiceUnavailableException, BadRequestException } from '@nestjs/common';
import { CommandError, ErrorCode } from '@app/contracts';
import { httpStatusOf, MissingCredentialsError, toHttpError } from './http-errors';

describe('contract error codes as HTTP statuses', () => {
  it.each([
    [ErrorCode.VALIDATION_FAILED, 400],
    [ErrorCode.FORBIDDEN, 403],
    [ErrorCode.NOT_FOUND, 404],
    [ErrorCode.CONFLICT, 409],
    [ErrorCode.RATE_LIMITED, 429],
    [ErrorCode.UNAVAILABLE, 503],
    [ErrorCode.INTERNAL, 500],
  ])('%s → %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('every code has a status', () => {
    for (const code of Object.values(ErrorCode)) expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
  });

  it('a missing or invalid token is 401 with a contract code', () => {
    expect(toHttpError(new MissingCredentialsError())).toEqual({ status: 401, body: { code: 'FORBIDDEN', message: expect.any(String) } });
  });

  it('a CommandError keeps its body; an unexpected error is INTERNAL without its message', () => {
    const details = [{ field: 'limit', reasons: ['too big'] }];
    expect(toHttpError(new CommandError(ErrorCode.VALIDATION_FAILED, 'bad', details))).toEqual({ status: 400, body: { code: 'VALIDATION_FAILED', message: 'bad', details } });
    expect(toHttpError(new TypeError('secret internals'))).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal error' } });
  });

  it("the framework's client errors keep their status with the matching contract code", () => {
    expect(toHttpError(new NotFoundException('Cannot GET /x'))).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: 'Cannot GET /x' } });
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, expose: true });
    expect(toHttpError(tooLarge)).toEqual({ status: 413, body: { code: 'VALIDATION_FAILED', message: 'request entity too large' } });
    const hidden = Object.assign(new Error('secret'), { status: 500, expose: false });
    expect(toHttpError(hidden)).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal error' } });
  });

  it('an undecodable path segment is a 400 naming its parameter', () => {
    expect(toHttpError(new BadRequestException("Failed to decode param '%ED'"), '/admin/requests/%ED/events?x=1')).toEqual({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'invalid path: id', details: [{ field: 'id', reasons: ['id must be valid percent-encoded UTF-8'] }] },
    });
  });

  it('a failed readiness check is UNAVAILABLE naming what is down', () => {
    const down = new ServiceUnavailableException({ status: 'error', info: {}, error: { broker: { status: 'down', message: 'not connected' } }, details: {} });
    expect(toHttpError(down)).toEqual({ status: 503, body: { code: 'UNAVAILABLE', message: 'not ready: broker (not connected)' } });
  });
});
