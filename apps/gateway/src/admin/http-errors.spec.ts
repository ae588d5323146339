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
});
