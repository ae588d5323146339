import { AdminEventsQuery, AdminListQuery, decodeRequestCursor, encodeRequestCursor } from './admin-api';
import { CommandError } from './error-codes';
import { validatePayload } from './validation';

describe('admin list cursor', () => {
  const position = { createdAt: '2026-11-29T19:00:00.123456Z', requestId: 'req-1' };

  it('round-trips the exact position (microseconds kept)', () => {
    expect(decodeRequestCursor(encodeRequestCursor(position))).toEqual(position);
  });

  it('is opaque and URL-safe', () => {
    expect(encodeRequestCursor(position)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['not base64url', 'a b'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['an object', Buffer.from('{"createdAt":"x"}').toString('base64url')],
    ['a millisecond timestamp', Buffer.from('["2026-11-29T19:00:00.123Z","req-1"]').toString('base64url')],
    ['a bad request id', Buffer.from('["2026-11-29T19:00:00.123456Z","bad id"]').toString('base64url')],
    ['an impossible date', Buffer.from('["2026-13-45T19:00:00.123456Z","req-1"]').toString('base64url')],
    ['empty', ''],
  ])('refuses %s', (_label, cursor) => {
    expect(decodeRequestCursor(cursor)).toBeNull();
  });
});

describe('admin query DTOs', () => {
  it('limit defaults to 50 and afterSeq to 0', () => {
    expect(validatePayload(AdminListQuery, {}).limit).toBe(50);
    expect(validatePayload(AdminEventsQuery, {})).toMatchObject({ afterSeq: 0, limit: 50 });
  });

  it('reads decimal query strings as numbers', () => {
    expect(validatePayload(AdminEventsQuery, { afterSeq: '12', limit: '500' })).toMatchObject({ afterSeq: 12, limit: 500 });
  });

  it.each([['0x10'], [' 5'], ['1e2'], ['']])('refuses limit=%j naming limit', (limit) => {
    try {
      validatePayload(AdminListQuery, { limit });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(CommandError);
      expect((error as CommandError).details?.map((d) => d.field)).toEqual(['limit']);
    }
  });
});
