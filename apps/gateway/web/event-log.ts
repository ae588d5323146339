import type { RequestWatch } from '@app/client';
import type { RecordedMessage } from '@app/contracts/wire';
import { h } from './dom';

const MAX_LINES = 2000;

/** The raw recorded messages of the watched request, one line each, in the collapsible panel. */
export class EventLog {
  private stop: (() => void) | undefined;

  constructor(private readonly list: HTMLElement, private readonly counter: HTMLElement) {}

  follow(watch: RequestWatch): void {
    this.stop?.();
    this.list.replaceChildren();
    this.counter.textContent = '0';
    this.stop = watch.on('*', (event) => this.append(event));
  }

  private append(event: RecordedMessage): void {
    const { type, seq, ts, requestId: _id, ...fields } = event;
    const atBottom = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    this.list.append(
      h('li', {}, h('span', { class: 'log-seq' }, `#${seq}`), h('span', { class: 'log-time' }, ts.slice(11, 23)), h('span', { class: `log-type log-${type.replace('.', '-')}` }, type), h('code', { title: JSON.stringify(fields, null, 2) }, JSON.stringify(fields))),
    );
    while (this.list.children.length > MAX_LINES) this.list.firstElementChild!.remove();
    this.counter.textContent = String(seq);
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }
}
