import { ADMIN_ROLE, mayAccess, type Principal } from './principal';

const user = (userId: string, roles: string[] = []): Principal => ({ userId, roles, isAdmin: roles.includes(ADMIN_ROLE) });

describe('mayAccess', () => {
  it('the owner may watch, cancel and answer their own request', () => {
    expect(mayAccess(user('alice'), 'alice')).toBe(true);
  });

  it('another user may not', () => {
    expect(mayAccess(user('bob'), 'alice')).toBe(false);
  });

  it('another user with other roles may not', () => {
    expect(mayAccess(user('bob', ['viewer', 'operator']), 'alice')).toBe(false);
  });

  it('an admin may access any request', () => {
    expect(ADMIN_ROLE).toBe('admin');
    expect(mayAccess(user('ops', ['admin']), 'alice')).toBe(true);
  });

  it('user ids are compared exactly', () => {
    expect(mayAccess(user('Alice'), 'alice')).toBe(false);
    expect(mayAccess(user('alice '), 'alice')).toBe(false);
  });
});
