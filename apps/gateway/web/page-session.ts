/**
 * Where the page keeps what it needs across reloads: the token comes in the
 * URL fragment (`#token=…`, as `npm start` prints it), and the request being
 * watched goes into the fragment too, so a reload re-opens it.
 */
export function readFragment(): { token: string | null; requestId: string | null } {
  const params = new URLSearchParams(location.hash.slice(1));
  return { token: params.get('token'), requestId: params.get('request') };
}

export function showRequestInUrl(requestId: string | null): void {
  const params = new URLSearchParams(location.hash.slice(1));
  if (requestId) params.set('request', requestId);
  else params.delete('request');
  history.replaceState(null, '', `#${params.toString()}`);
}

/** The token's `sub`, to keep each user's recent requests apart (not a check: the gateway verifies the token). */
export function tokenSubject(token: string): string {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return String(JSON.parse(atob(payload)).sub ?? 'anonymous');
  } catch {
    return 'anonymous';
  }
}
