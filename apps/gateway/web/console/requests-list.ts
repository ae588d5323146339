import type { AdminRequestSummary } from '@app/contracts';
import { REQUEST_STATUSES } from '@app/contracts/request-status';
import { byId, h, timeAgo } from '../dom';
import type { AdminClient, ListFilter } from './admin-client';
import { requestHref } from './console-session';
import { Poller } from './poller';
import { STATUS_TEXT } from './status-text';

/** Badges in a table cell: short. */
const LIST_STATUS_TEXT: Record<string, string> = { ...STATUS_TEXT, waiting: 'Waiting' };

const PAGE_SIZE = 25;
const REFRESH_MS = 2000;
const SLOW_PAGE_BACKOFF = 10;
const TYPING_PAUSE_MS = 300;

/**
 * The requests list: filters, keyset pages (the API's cursor; a stack of the
 * cursors that led here makes "Newer"), refreshed every few seconds, so new
 * requests appear and statuses change while it is open. Rows are updated in
 * place, keyed by id, so focus and selection survive a refresh.
 */
export class RequestsList {
  private filter: ListFilter = {};
  /** cursors[i] opens page i+1; page 1 has none. */
  private cursors: Array<string | null> = [null];
  private nextCursor: string | null = null;
  private selected: string | null = null;
  private readonly rows = new Map<string, HTMLTableRowElement>();
  /** A text filter is a scan on the server (no index): a slow page is asked for less often. */
  private lastLoadMs = 0;
  private readonly poller = new Poller(() => this.load(), () => Math.max(REFRESH_MS, SLOW_PAGE_BACKOFF * this.lastLoadMs));
  private typing: number | undefined;

  constructor(private readonly api: AdminClient) {
    const status = byId<HTMLSelectElement>('filter-status');
    for (const s of REQUEST_STATUSES) if (s !== 'unknown') status.append(h('option', { value: s }, STATUS_TEXT[s]));
    byId('filters').addEventListener('submit', (e) => e.preventDefault());
    byId('filters').addEventListener('input', () => {
      clearTimeout(this.typing);
      this.typing = window.setTimeout(() => this.applyFilter(), TYPING_PAUSE_MS);
    });
    status.addEventListener('change', () => this.applyFilter());
    byId('page-older').addEventListener('click', () => this.page(+1));
    byId('page-newer').addEventListener('click', () => this.page(-1));
  }

  start(): void {
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  select(requestId: string | null): void {
    this.selected = requestId;
    for (const [id, row] of this.rows) {
      if (id === requestId) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
    }
  }

  /** The open request's live status, ahead of the next refresh. */
  showStatus(requestId: string, status: string): void {
    const row = this.rows.get(requestId);
    if (!row || row.dataset.status === status || status === 'unknown') return;
    row.dataset.status = status;
    const badge = row.querySelector('.badge')!;
    badge.className = `badge badge-${status}`;
    badge.textContent = LIST_STATUS_TEXT[status] ?? status;
  }

  private applyFilter(): void {
    const text = byId<HTMLInputElement>('filter-text').value.trim();
    const owner = byId<HTMLInputElement>('filter-owner').value.trim();
    const status = byId<HTMLSelectElement>('filter-status').value;
    this.filter = { ...(text ? { q: text } : {}), ...(owner ? { owner } : {}), ...(status ? { status } : {}) };
    this.cursors = [null];
    void this.poller.now();
  }

  private page(step: number): void {
    if (step > 0 && this.nextCursor) this.cursors.push(this.nextCursor);
    if (step < 0 && this.cursors.length > 1) this.cursors.pop();
    void this.poller.now();
  }

  private async load(): Promise<void> {
    const pageNumber = this.cursors.length;
    const started = performance.now();
    try {
      const page = await this.api.listRequests(this.filter, this.cursors[pageNumber - 1], PAGE_SIZE);
      this.lastLoadMs = performance.now() - started;
      this.nextCursor = page.nextCursor;
      this.render(page.items);
      byId('list-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      byId('list-updated').textContent = `Not updated: ${(error as Error).message}`;
      throw error;
    } finally {
      byId('page-label').textContent = `Page ${pageNumber}`;
      byId<HTMLButtonElement>('page-older').disabled = !this.nextCursor;
      byId<HTMLButtonElement>('page-newer').disabled = pageNumber === 1;
    }
  }

  private render(items: AdminRequestSummary[]): void {
    const body = byId('requests').querySelector('tbody')!;
    const keep = new Set(items.map((i) => i.requestId));
    for (const [id, row] of this.rows) if (!keep.has(id)) (row.remove(), this.rows.delete(id));
    items.forEach((item, index) => {
      const row = this.rows.get(item.requestId) ?? this.createRow(item.requestId);
      this.updateRow(row, item);
      if (body.children[index] !== row) body.insertBefore(row, body.children[index] ?? null);
    });
    byId('requests-empty').hidden = items.length > 0;
    this.select(this.selected);
  }

  private createRow(requestId: string): HTMLTableRowElement {
    const link = h('a', { href: requestHref(requestId), class: 'row-link' }, h('span', { class: 'row-query' }), h('code', { class: 'row-id' }, requestId));
    const row = h('tr', { 'data-request-id': requestId, onclick: (e) => e.target !== link && !link.contains(e.target as Node) && link.click() },
      h('td', {}, h('span', { class: 'badge' })),
      h('td', { class: 'cell-request' }, link),
      h('td', { class: 'cell-owner' }, h('span', { class: 'row-owner' }), h('span', { class: 'row-started' })),
      h('td', { class: 'num cell-seq' }),
      h('td', { class: 'num cell-watchers' }),
    );
    this.rows.set(requestId, row);
    return row;
  }

  private updateRow(row: HTMLTableRowElement, item: AdminRequestSummary): void {
    this.showStatus(item.requestId, item.status);
    const [, request, owner, seq, watchers] = row.children as unknown as HTMLElement[];
    request.querySelector('.row-query')!.textContent = item.userQuery;
    owner.firstElementChild!.textContent = item.owner;
    const started = owner.lastElementChild as HTMLElement;
    started.textContent = timeAgo(item.createdAt);
    started.title = new Date(item.createdAt).toLocaleString();
    seq.textContent = String(item.seq);
    watchers.textContent = String(item.watchers);
  }
}
