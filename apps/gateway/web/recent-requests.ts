import type { RequestStatus } from '@app/contracts/request-status';
import { h, timeAgo } from './dom';

export interface RecentRequest {
  requestId: string;
  userQuery: string;
  startedAt: string;
  status: RequestStatus;
}

const MAX_RECENT = 20;

/** The user's recent requests, newest first, in localStorage (per user, per gateway origin). */
export class RecentRequests {
  private readonly key: string;

  constructor(user: string, private readonly list: HTMLElement, private readonly open: (requestId: string) => void) {
    this.key = `agent-stream.recent.${user}`;
  }

  all(): RecentRequest[] {
    try {
      const items = JSON.parse(localStorage.getItem(this.key) ?? '[]');
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  /** Adds or updates one entry (a re-opened request keeps its place). */
  remember(entry: Partial<RecentRequest> & { requestId: string }): void {
    const items = this.all();
    const existing = items.find((i) => i.requestId === entry.requestId);
    if (existing) Object.assign(existing, entry);
    else items.unshift({ userQuery: '', startedAt: new Date().toISOString(), status: 'unknown', ...entry });
    localStorage.setItem(this.key, JSON.stringify(items.slice(0, MAX_RECENT)));
  }

  render(current: string | null): void {
    const items = this.all();
    this.list.replaceChildren(
      ...(items.length === 0
        ? [h('li', { class: 'empty' }, 'Runs you start appear here.')]
        : items.map((item) =>
            h(
              'li',
              {},
              h(
                'button',
                { class: `recent${item.requestId === current ? ' current' : ''}`, 'data-request-id': item.requestId, onclick: () => this.open(item.requestId) },
                h('span', { class: 'recent-query' }, item.userQuery || item.requestId),
                h('span', { class: 'recent-meta' }, h('span', { class: `badge badge-${item.status}` }, item.status), ` ${timeAgo(item.startedAt)}`),
              ),
            ),
          )),
    );
  }
}
