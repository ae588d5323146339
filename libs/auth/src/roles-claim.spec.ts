import { readRolesClaim } from './roles-claim';

describe('readRolesClaim (JWT_ROLES_CLAIM)', () => {
  describe('the default claim `roles`', () => {
    it('reads a string array', () => {
      expect(readRolesClaim({ sub: 'u', roles: ['viewer', 'admin'] }, 'roles')).toEqual(['viewer', 'admin']);
    });

    it('an absent claim is no roles', () => {
      expect(readRolesClaim({ sub: 'u' }, 'roles')).toEqual([]);
    });

    it.each([
      ['a string', 'admin'],
      ['an object', { admin: true }],
      ['an array with a non-string', ['admin', 1]],
      ['null', null],
    ])('refuses (null) a claim that is %s', (_case, roles) => {
      expect(readRolesClaim({ sub: 'u', roles }, 'roles')).toBeNull();
    });
  });

  describe('a dotted path (Keycloak: realm_access.roles)', () => {
    const keycloak = { sub: 'u', realm_access: { roles: ['offline_access', 'admin'] }, resource_access: { app: { roles: ['viewer'] } } };

    it('reads the nested array', () => {
      expect(readRolesClaim(keycloak, 'realm_access.roles')).toEqual(['offline_access', 'admin']);
    });

    it('reads deeper paths', () => {
      expect(readRolesClaim(keycloak, 'resource_access.app.roles')).toEqual(['viewer']);
    });

    it('ignores a top-level `roles` when another claim is configured', () => {
      expect(readRolesClaim({ ...keycloak, roles: ['root'] }, 'resource_access.app.roles')).toEqual(['viewer']);
    });

    it.each([
      ['the parent is missing', { sub: 'u' }],
      ['the leaf is missing', { sub: 'u', realm_access: {} }],
    ])('is no roles when %s', (_case, claims) => {
      expect(readRolesClaim(claims, 'realm_access.roles')).toEqual([]);
    });

    it.each([
      ['a string', { realm_access: 'admin' }],
      ['an array', { realm_access: [{ roles: ['admin'] }] }],
      ['null', { realm_access: null }],
    ])('reads nothing through a parent that is %s', (_case, claims) => {
      expect(readRolesClaim(claims, 'realm_access.roles')).toEqual([]);
    });

    it('refuses (null) a nested claim of the wrong shape', () => {
      expect(readRolesClaim({ realm_access: { roles: 'admin' } }, 'realm_access.roles')).toBeNull();
    });

    it('does not read inherited properties', () => {
      expect(readRolesClaim({ realm_access: {} }, 'realm_access.constructor.name')).toEqual([]);
      expect(readRolesClaim({}, '__proto__.roles')).toEqual([]);
    });
  });

  it('a top-level claim whose name contains dots wins over the path (Auth0 namespaced claims)', () => {
    const claims = { 'https://example.com/roles': ['admin'], https: { '//example': { 'com/roles': ['viewer'] } } };
    expect(readRolesClaim(claims, 'https://example.com/roles')).toEqual(['admin']);
  });
});
