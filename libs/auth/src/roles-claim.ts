/**
 * The roles a token's claims grant, read from `claim` (JWT_ROLES_CLAIM): a
 * top-level claim of that exact name when there is one (Auth0-style names
 * such as `https://example.com/roles` contain dots), else a dotted path into
 * nested objects (`realm_access.roles`, as Keycloak issues them).
 *
 * Absent → no roles. Present but not an array of strings → null: the token
 * is refused, as a `roles` claim of the wrong shape always was.
 */
export function readRolesClaim(claims: Record<string, unknown>, claim: string): string[] | null {
  const value = Object.hasOwn(claims, claim) ? claims[claim] : walk(claims, claim.split('.'));
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((role) => typeof role === 'string')) return null;
  return value;
}

function walk(value: unknown, path: string[]): unknown {
  for (const key of path) {
    // Only own keys of plain objects: `__proto__` or `constructor` in a path reads nothing.
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
