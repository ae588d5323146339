import { createClient, type AgentStreamClient, type RequestSnapshot, type RequestWatch } from '@app/client';
import { showConnection } from './connection-indicator';
import { byId, showToast } from './dom';
import { EventLog } from './event-log';
import { readFragment, showRequestInUrl, tokenSubject } from './page-session';
import { RecentRequests } from './recent-requests';
import { RequestView } from './request-view';
import { onRunSubmitted } from './run-form';

declare global {
  interface Window {
    /** The page's SDK client, for the browser test and for poking around in the console. */
    __agentStream?: { client: AgentStreamClient };
  }
}

function main(): void {
  const { token, requestId } = readFragment();
  if (!token) {
    byId('no-token').hidden = false;
    byId('app').hidden = true;
    byId('connection').hidden = true;
    return;
  }
  const client = createClient({ url: location.origin, token });
  window.__agentStream = { client };
  showConnection(client, byId('connection'), byId('token-refused'));

  let current: RequestWatch | undefined;
  const recent = new RecentRequests(tokenSubject(token), byId('recent'), (id) => open(id));
  const log = new EventLog(byId('log'), byId('log-count'));
  const remembered = new Map<string, string>();
  const view = new RequestView((state: RequestSnapshot) => {
    if (state.status === 'unknown' || state.refused) return;
    // Written when the status changes, not on every event.
    const summary = `${state.status}|${state.userQuery}`;
    if (remembered.get(state.requestId) === summary) return;
    remembered.set(state.requestId, summary);
    recent.remember({ requestId: state.requestId, status: state.status, ...(state.userQuery ? { userQuery: state.userQuery } : {}), ...(state.createdAt ? { startedAt: state.createdAt } : {}) });
    recent.render(current?.requestId ?? null);
  }, showToast);

  function open(id: string): void {
    if (current?.requestId === id) return;
    void current?.close().catch(() => undefined);
    current = client.watch(id);
    log.follow(current);
    view.show(current);
    showRequestInUrl(id);
    recent.render(id);
  }

  onRunSubmitted(async ({ userQuery, context, workflow }) => {
    try {
      const started = await client.start({ userQuery, context, workflow });
      recent.remember({ requestId: started.requestId, userQuery, status: started.status });
      open(started.requestId);
    } catch (error) {
      showToast(`Could not start: ${(error as Error).message}`);
    }
  });

  recent.render(requestId);
  if (requestId) open(requestId);
}

main();
