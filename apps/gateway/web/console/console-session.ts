const STORAGE_KEY = 'agent-stream.console.token';

/**
 * Where the console keeps its token: taken from the `#token=…` fragment
 * (which browsers never send to the server) or from the sign-in form, kept in
 * this tab's session storage, and removed from the address bar at once so it
 * is not shared with a copied URL or a screenshot.
 */
export function takeToken(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromFragment = params.get('token');
  if (fromFragment) {
    sessionStorage.setItem(STORAGE_KEY, fromFragment);
    history.replaceState(null, '', `${location.pathname}#/requests`);
    return fromFragment;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

export function keepToken(token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token);
}

const NOTICE_KEY = 'agent-stream.console.notice';

/** Forgets the token; `notice` is shown on the sign-in form after the reload. */
export function forgetToken(notice?: string): void {
  sessionStorage.removeItem(STORAGE_KEY);
  if (notice) sessionStorage.setItem(NOTICE_KEY, notice);
}

/** What the last session left to say (once). */
export function takeNotice(): string | null {
  const notice = sessionStorage.getItem(NOTICE_KEY);
  sessionStorage.removeItem(NOTICE_KEY);
  return notice;
}

export type Route = { view: 'requests'; requestId: string | null } | { view: 'cluster' } | { view: 'dead-letters' };

/** `#/requests`, `#/requests/<id>`, `#/cluster`, `#/dead-letters`. */
export function currentRoute(): Route {
  const [, view, ...rest] = location.hash.replace(/^#/, '').split('/');
  if (view === 'cluster') return { view: 'cluster' };
  if (view === 'dead-letters') return { view: 'dead-letters' };
  const id = rest.join('/');
  return { view: 'requests', requestId: id ? decodeURIComponent(id) : null };
}

export const requestHref = (requestId: string) => `#/requests/${encodeURIComponent(requestId)}`;
