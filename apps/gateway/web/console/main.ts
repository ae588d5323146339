import { createClient, type AgentStreamClient } from '@app/client';
import { showConnection } from '../connection-indicator';
import { byId, showToast } from '../dom';
import { tokenSubject } from '../page-session';
import { AdminCallError, AdminClient } from './admin-client';
import { ClusterView } from './cluster-view';
import { currentRoute, forgetToken, keepToken, takeNotice, takeToken } from './console-session';
import { DeadLettersView } from './dead-letters-view';
import { HealthStrip } from './health-strip';
import { RequestDetail } from './request-detail';
import { RequestsList } from './requests-list';

declare global {
  interface Window {
    /** The console's SDK client, for the browser test and for poking around in the devtools. */
    __agentStream?: { client: AgentStreamClient };
  }
}

const DEAD_COUNT_MS = 10_000;

/** Why a token cannot open the console, in words an operator can act on. */
function refusal(error: unknown): string {
  if (!(error instanceof AdminCallError)) return `Sign-in failed: ${(error as Error).message}`;
  if (error.status === 401) return 'The gateway refused this token: it is expired, malformed, or signed with another secret. Mint a fresh one with npm run token -- ops --admin.';
  if (error.status === 403) return 'This token is valid but it has no admin role, and the console is for admins only. Mint one with npm run token -- ops --admin.';
  if (error.status === 0) return 'The gateway cannot be reached. Is it running?';
  return `Sign-in failed: ${error.message}`;
}

function showSignIn(message: string | null): void {
  byId('sign-in').hidden = false;
  byId('main').hidden = true;
  const error = byId('sign-in-error');
  error.hidden = message === null;
  error.textContent = message ?? '';
  byId('token-input').focus();
}

/** Checks the token against the admin API (401: refused, 403: no admin role) before anything else uses it. */
async function signIn(token: string): Promise<void> {
  const api = new AdminClient(token);
  try {
    await api.health();
  } catch (error) {
    forgetToken();
    showSignIn(refusal(error));
    return;
  }
  keepToken(token);
  openConsole(token, api);
}

function openConsole(token: string, api: AdminClient): void {
  byId('sign-in').hidden = true;
  byId('main').hidden = false;
  byId('tabs').hidden = false;
  byId('connection').hidden = false;
  byId('sign-out').hidden = false;
  const who = byId('signed-in-as');
  who.hidden = false;
  who.textContent = `Signed in as ${tokenSubject(token)}`;

  const client = createClient({ url: location.origin, token });
  window.__agentStream = { client };
  showConnection(client, byId('connection'), byId('token-refused'));
  const signOut = (notice?: string) => {
    client.close();
    forgetToken(notice);
    location.hash = '';
    location.reload();
  };
  api.onUnauthorized = () => signOut('The gateway stopped accepting your token (it expired, or the secret changed). Sign in with a fresh admin token.');

  const health = new HealthStrip(api);
  const list = new RequestsList(api);
  const detail = new RequestDetail(client, api, showToast, (id, status) => list.showStatus(id, status));
  const cluster = new ClusterView(api);
  const deadCount = byId('dead-count');
  const deadLetters = new DeadLettersView(api, showToast, (total) => {
    deadCount.hidden = total === 0;
    deadCount.textContent = String(total);
    deadCount.setAttribute('aria-label', `${total} waiting`);
  });

  const route = () => {
    const r = currentRoute();
    for (const link of byId('tabs').querySelectorAll<HTMLAnchorElement>('a')) {
      if (link.dataset.view === r.view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    for (const view of ['requests', 'cluster', 'dead-letters']) byId(`view-${view}`).hidden = view !== r.view;
    if (r.view === 'requests') {
      list.start();
      list.select(r.requestId);
      detail.open(r.requestId);
    } else list.stop();
    if (r.view === 'cluster') cluster.start();
    else cluster.stop();
    if (r.view === 'dead-letters') deadLetters.start();
    else deadLetters.stop();
  };
  window.addEventListener('hashchange', route);
  route();
  health.start();
  void deadLetters.count().catch(() => undefined);
  setInterval(() => currentRoute().view !== 'dead-letters' && void deadLetters.count().catch(() => undefined), DEAD_COUNT_MS);

  byId('sign-out').addEventListener('click', () => signOut());
}

function main(): void {
  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('token-input');
    const token = input.value.trim();
    input.value = '';
    if (token) void signIn(token);
  });
  const token = takeToken();
  if (token) void signIn(token);
  else showSignIn(takeNotice());
}

main();
