/** Who is calling, from a verified token. */
export interface Principal {
  userId: string;
  roles: string[];
  isAdmin: boolean;
}

export const ADMIN_ROLE = 'admin';

/** Owners see their own requests; admins see every request. */
export function mayAccess(principal: Principal, owner: string): boolean {
  return principal.isAdmin || principal.userId === owner;
}
