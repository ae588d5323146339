import type { AdminDeadLetterPage, DeadLetterView } from '@app/contracts';
import { byId, h } from '../dom';
import type { AdminClient } from './admin-client';
import { Poller } from './poller';

const REFRESH_MS = 5000;
const SHOWN = 100;
/** A destructive button asks once more, in place, for this long. */
const CONFIRM_MS = 4000;

/**
 * What is in `websocket.progress.dead` (read without consuming it), with
 * Requeue and Discard per message. Discard asks for a second click.
 */
export class DeadLettersView {
  private readonly poller = new Poller(() => this.load(), REFRESH_MS);

  constructor(
    private readonly api: AdminClient,
    private readonly toast: (message: string) => void,
    private readonly onCount: (total: number) => void,
  ) {
    byId('dead-refresh').addEventListener('click', () => void this.poller.now());
  }

  start(): void {
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  /** The count in the tab, without drawing the list. */
  async count(): Promise<void> {
    this.onCount((await this.api.deadLetters(1)).total);
  }

  private async load(): Promise<void> {
    try {
      this.render(await this.api.deadLetters(SHOWN));
    } catch (error) {
      byId('dead-total').textContent = `(not updated: ${(error as Error).message})`;
    }
  }

  private render(page: AdminDeadLetterPage): void {
    this.onCount(page.total);
    byId('dead-total').textContent = page.total > page.items.length ? `(${page.total}; the oldest ${page.items.length} shown)` : `(${page.total})`;
    byId('dead-empty').hidden = page.items.length > 0;
    const list = byId('dead-letters');
    // Keep the cards of messages still there, so a half-confirmed discard survives a refresh.
    const existing = new Map([...list.children].map((el) => [(el as HTMLElement).dataset.id!, el as HTMLElement]));
    list.replaceChildren(...page.items.map((item) => existing.get(item.id) ?? this.card(item)));
  }

  private card(item: DeadLetterView): HTMLElement {
    const requeue = h('button', { type: 'button', class: 'small-button' }, 'Requeue');
    const discard = h('button', { type: 'button', class: 'small-button danger' }, 'Discard');
    const card = h(
      'li',
      { class: 'dead-letter', 'data-id': item.id },
      h('p', { class: 'dead-reason' }, item.reason ?? 'no reason recorded'),
      h(
        'dl',
        { class: 'dead-facts' },
        h('div', {}, h('dt', {}, 'Routing key'), h('dd', {}, h('code', {}, item.routingKey ?? '–'))),
        h('div', {}, h('dt', {}, 'Request'), h('dd', {}, h('code', {}, item.requestId ?? '–'))),
        h('div', {}, h('dt', {}, 'Dead-lettered'), h('dd', {}, item.deadLetteredAt ? new Date(item.deadLetteredAt).toLocaleString() : '–')),
        h('div', {}, h('dt', {}, 'Size'), h('dd', {}, `${item.bytes} bytes`)),
      ),
      h('pre', { class: 'dead-preview', tabindex: 0, 'aria-label': 'Body preview' }, item.preview + (item.previewTruncated ? '…' : '')),
      h('div', { class: 'dead-actions' }, requeue, discard),
    );
    requeue.addEventListener('click', () => void this.act(card, item, 'requeue'));
    let armed: number | undefined;
    discard.addEventListener('click', () => {
      if (armed === undefined) {
        discard.textContent = 'Click again to discard';
        armed = window.setTimeout(() => ((armed = undefined), (discard.textContent = 'Discard')), CONFIRM_MS);
        return;
      }
      clearTimeout(armed);
      void this.act(card, item, 'discard');
    });
    return card;
  }

  private async act(card: HTMLElement, item: DeadLetterView, action: 'discard' | 'requeue'): Promise<void> {
    card.querySelectorAll('button').forEach((b) => (b.disabled = true));
    try {
      const result = await this.api.deadLetterAction(item.id, action);
      card.remove();
      this.toast(action === 'discard' ? 'Dead letter discarded.' : `Dead letter requeued to agent.events as ${result.routingKey}.`);
    } catch (error) {
      this.toast(`Could not ${action}: ${(error as Error).message}`);
    }
    await this.poller.now();
  }
}
