import type { RecordedMessage } from '@app/contracts';
import { describeValue, h } from '../dom';

/** A pause longer than this between two events is marked: it is what the run was waiting on. */
const LONG_GAP_MS = 1000;
/** Rows kept on screen (the newest); the count above says how many events there are. */
const MAX_ROWS = 1000;

/** Consecutive output deltas of one step read as one row. */
interface Row {
  first: RecordedMessage;
  last: RecordedMessage;
  count: number;
  chars: number;
}

/** Local wall-clock time with milliseconds, 24 h: events a few ms apart must read apart. */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function formatGap(ms: number): string {
  if (ms < 1000) return `+${Math.round(ms)} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(1)} s`;
  return `+${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** What the run was waiting on during a long gap, from the event before it. */
function waitingOn(previous: RecordedMessage): string {
  if (previous.type === 'question') return 'waiting for an answer';
  if (previous.type === 'status' && (previous as { status?: string }).status === 'queued') return 'waiting for an agent to take it';
  if (previous.type === 'progress' && (previous as { status?: string }).status === 'running') return 'the step was working';
  return 'waiting';
}

function field(event: RecordedMessage, name: string): unknown {
  return (event as unknown as Record<string, unknown>)[name];
}

function summary(row: Row): string {
  const e = row.last;
  const agent = field(e, 'agent');
  const step = field(e, 'step');
  const at = step === undefined ? `${agent}` : `${agent} · step ${step}`;
  switch (e.type as string) {
    case 'progress': {
      const data = (field(e, 'data') ?? {}) as Record<string, unknown>;
      const detail = describeValue(data.tool ?? data.title ?? data.message ?? '');
      return `${at} · ${field(e, 'status')}${detail ? ` · ${detail}` : ''}`;
    }
    case 'output':
      return `${at} · ${row.count} output ${row.count === 1 ? 'piece' : 'pieces'} (${row.chars} characters)`;
    case 'agent.completed':
      return `${agent} completed`;
    case 'question':
      return `${agent} asks: ${field(e, 'prompt')}`;
    case 'error':
      return `${at}: ${field(e, 'message')}`;
    case 'request.completed':
      return `request ${field(e, 'status')}${field(e, 'error') ? `: ${describeValue(field(e, 'error'))}` : ''}`;
    case 'status':
      return `status → ${field(e, 'status')}${field(e, 'reason') ? ` (${field(e, 'reason')})` : ''}`;
    default: {
      const { type: _t, requestId: _r, seq: _s, ts: _ts, ...rest } = e as unknown as Record<string, unknown>;
      return JSON.stringify(rest);
    }
  }
}

const sameOutput = (a: RecordedMessage, b: RecordedMessage) =>
  (a.type as string) === 'output' && (b.type as string) === 'output' && field(a, 'agent') === field(b, 'agent') && field(a, 'step') === field(b, 'step');

/**
 * A request's recorded events in seq order, each with its time and the gap
 * since the one before; long gaps are marked with what the run waited on.
 * Events arrive live (appended) or from the admin API's pages (earlier ones:
 * the list is redrawn).
 */
export class Timeline {
  private readonly events = new Map<number, RecordedMessage>();
  private rows: Row[] = [];

  constructor(private readonly list: HTMLElement, private readonly counter: HTMLElement) {}

  clear(): void {
    this.events.clear();
    this.rows = [];
    this.list.replaceChildren();
    this.counter.textContent = '';
  }

  /** The lowest seq held (0: none): what is missing before it can be loaded. */
  get firstSeq(): number {
    return this.rows[0]?.first.seq ?? 0;
  }

  add(events: RecordedMessage[]): void {
    const fresh = events.filter((e) => !this.events.has(e.seq));
    if (fresh.length === 0) return;
    for (const e of fresh) this.events.set(e.seq, e);
    // Follow the run while the reader is at the end; leave them where they are when they scrolled up.
    const atEnd = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    const lastSeq = this.rows.at(-1)?.last.seq ?? 0;
    if (fresh.every((e) => e.seq > lastSeq)) for (const e of fresh.sort((a, b) => a.seq - b.seq)) this.append(e);
    else this.redraw();
    this.counter.textContent = `(${this.events.size} events)`;
    if (atEnd) this.list.scrollTop = this.list.scrollHeight;
  }

  private redraw(): void {
    this.rows = [];
    this.list.replaceChildren();
    for (const e of [...this.events.values()].sort((a, b) => a.seq - b.seq)) this.append(e);
  }

  private append(event: RecordedMessage): void {
    const previous = this.rows.at(-1);
    if (previous && sameOutput(previous.last, event) && previous.last.seq === event.seq - 1) {
      previous.last = event;
      previous.count += 1;
      previous.chars += String(field(event, 'delta') ?? '').length;
      this.list.lastElementChild!.replaceWith(this.element(previous, this.rows.at(-2)?.last));
      return;
    }
    const row: Row = { first: event, last: event, count: 1, chars: String(field(event, 'delta') ?? '').length };
    this.rows.push(row);
    this.list.append(this.element(row, previous?.last));
    while (this.list.children.length > MAX_ROWS) this.list.firstElementChild!.remove();
  }

  private element(row: Row, before: RecordedMessage | undefined): HTMLElement {
    const gapMs = before ? Date.parse(row.first.ts) - Date.parse(before.ts) : 0;
    const long = before !== undefined && gapMs >= LONG_GAP_MS;
    const seqs = row.count === 1 ? `#${row.first.seq}` : `#${row.first.seq}–${row.last.seq}`;
    return h(
      'li',
      { class: `event${long ? ' long-gap' : ''}`, 'data-type': row.first.type, 'data-seq': row.last.seq },
      h('span', { class: 'event-seq' }, seqs),
      h(
        'span',
        { class: 'event-when' },
        h('time', { class: 'event-time', datetime: row.first.ts, title: row.first.ts }, clockTime(row.first.ts)),
        h('span', { class: 'event-gap' }, before ? formatGap(gapMs) : 'start', long ? h('span', { class: 'gap-reason' }, ` ${waitingOn(before!)}`) : null),
      ),
      h('span', { class: 'event-what' }, h('span', { class: 'event-type' }, row.first.type), ' ', h('span', { class: 'event-summary' }, summary(row))),
    );
  }
}
