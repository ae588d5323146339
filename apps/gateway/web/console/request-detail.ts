import type { AgentStreamClient, RequestSnapshot, RequestWatch } from '@app/client';
import { byId, timeAgo } from '../dom';
import { renderQuestions } from '../question-cards';
import { renderAgents, renderOutcome, renderOverall, renderRequestHeader } from '../request-parts';
import { renderStepRows, stepRows } from '../step-rows';
import type { AdminClient } from './admin-client';
import { Poller } from './poller';
import { STATUS_TEXT } from './status-text';
import { clockTime, Timeline } from './timeline';

const FACTS_REFRESH_MS = 3000;
/** The admin API's largest page of events. */
const EVENTS_PAGE = 500;

/**
 * One request, live: its picture from the SDK's watch (the same fold the
 * server uses, so a finished request shows what it showed live; the step
 * rows are the progress page's, streamed output included), its timeline
 * from the watch's events (earlier ones paged from the admin API), owner and
 * watchers from the admin API, and the admin's actions.
 */
export class RequestDetail {
  private watch: RequestWatch | undefined;
  private stopWatching: Array<() => void> = [];
  private readonly timeline = new Timeline(byId('timeline'), byId('timeline-count'));
  private readonly facts = new Poller(() => this.loadFacts(), FACTS_REFRESH_MS);

  constructor(
    private readonly client: AgentStreamClient,
    private readonly api: AdminClient,
    private readonly toast: (message: string) => void,
    private readonly onStatus: (requestId: string, status: string) => void,
  ) {
    byId('detail-cancel').addEventListener('click', () => void this.cancel());
    byId('copy-id').addEventListener('click', () => void this.copyId());
    byId('timeline-earlier').addEventListener('click', () => void this.loadEarlier());
  }

  get requestId(): string | null {
    return this.watch?.requestId ?? null;
  }

  open(requestId: string | null): void {
    if (requestId === this.requestId) return;
    this.close();
    byId('detail-empty').hidden = requestId !== null;
    byId('detail-body').hidden = requestId === null;
    if (!requestId) return;
    const watch = this.client.watch(requestId);
    this.watch = watch;
    for (const id of ['detail-steps', 'detail-questions', 'detail-agents']) byId(id).replaceChildren();
    for (const id of ['fact-owner', 'fact-watchers']) byId(id).textContent = '–';
    this.stopWatching = [watch.subscribe(() => this.render(watch.getSnapshot())), watch.on('*', (event) => this.timeline.add([event]))];
    this.render(watch.getSnapshot());
    this.facts.start();
    // Side by side the detail is in view; stacked (narrow window), it is below the list: bring it up.
    const stacked = matchMedia('(max-width: 1100px)').matches;
    byId('detail-title').focus({ preventScroll: !stacked });
  }

  private close(): void {
    this.facts.stop();
    this.stopWatching.forEach((stop) => stop());
    this.stopWatching = [];
    void this.watch?.close().catch(() => undefined);
    this.watch = undefined;
    this.timeline.clear();
  }

  private async loadFacts(): Promise<void> {
    const id = this.requestId;
    if (!id) return;
    try {
      const state = await this.api.request(id);
      if (id !== this.requestId) return;
      byId('fact-owner').textContent = state.owner;
      byId('fact-watchers').textContent = String(state.watchers);
    } catch (error) {
      if (id === this.requestId) byId('fact-owner').textContent = (error as { status?: number }).status === 404 ? 'not recorded (yet)' : '–';
    }
  }

  /** Events before the first one the watch replayed (it replays the last 1,000), a page at a time. */
  private async loadEarlier(): Promise<void> {
    const id = this.requestId!;
    const button = byId<HTMLButtonElement>('timeline-earlier');
    button.disabled = true;
    try {
      let afterSeq = 0;
      const until = this.timeline.firstSeq;
      while (afterSeq < until - 1) {
        const page = await this.api.events(id, afterSeq, EVENTS_PAGE);
        if (id !== this.requestId) return;
        this.timeline.add(page.items.filter((e) => e.seq < until));
        if (page.nextSeq === null) break;
        afterSeq = page.nextSeq;
      }
    } catch (error) {
      this.toast(`Could not load earlier events: ${(error as Error).message}`);
    } finally {
      button.disabled = false;
      this.showEarlierButton();
    }
  }

  private showEarlierButton(): void {
    const missing = this.timeline.firstSeq - 1;
    const button = byId('timeline-earlier');
    button.hidden = missing <= 0;
    button.textContent = `Load ${missing} earlier events`;
  }

  private async cancel(): Promise<void> {
    const id = this.requestId!;
    const button = byId<HTMLButtonElement>('detail-cancel');
    button.disabled = true;
    try {
      const { status } = await this.api.cancel(id);
      this.toast(status === 'cancelling' ? 'Cancel sent: the agents are stopping.' : `The request had already ended: ${status}.`);
    } catch (error) {
      this.toast(`Could not cancel: ${(error as Error).message}`);
      button.disabled = false;
    }
  }

  private async copyId(): Promise<void> {
    const id = this.requestId!;
    try {
      await navigator.clipboard.writeText(id);
    } catch {
      // No clipboard API (plain http on another host): select the id so Ctrl+C copies it.
      getSelection()?.selectAllChildren(byId('detail-id'));
      this.toast('Press Ctrl+C to copy the selected id.');
      return;
    }
    this.toast(`Copied ${id}`);
  }

  private render(state: RequestSnapshot): void {
    const watch = this.watch!;
    renderRequestHeader({ title: 'detail-title', requestId: 'detail-id', status: 'detail-status', cancel: 'detail-cancel' }, state, STATUS_TEXT);
    byId('fact-started').textContent = state.createdAt ? `${clockTime(state.createdAt).slice(0, 8)} (${timeAgo(state.createdAt)})` : '–';
    byId('fact-updated').textContent = state.updatedAt ? clockTime(state.updatedAt).slice(0, 8) : '–';
    byId('fact-seq').textContent = String(state.seq);

    const rows = stepRows(state);
    renderOverall(byId('detail-overall-fill'), byId('detail-overall-text'), state, rows);
    renderAgents(byId('detail-agents'), state);
    renderQuestions(byId('detail-questions'), state, watch, (message) => this.toast(message));
    renderStepRows(byId('detail-steps'), rows);
    renderOutcome(byId('detail-outcome'), state);
    const refused = byId('detail-refused');
    refused.hidden = !state.refused;
    refused.textContent = state.refused ? `The gateway refused to show this request (${state.refused.code}): ${state.refused.message}` : '';
    this.showEarlierButton();
    this.onStatus(state.requestId, state.status);
  }
}
