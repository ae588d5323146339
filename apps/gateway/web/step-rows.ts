import type { RequestSnapshot } from '@app/client';
import { describeValue, h } from './dom';

/** A row of the steps list: a step an agent reported, or one the plan announced that has not started yet. */
export interface StepRow {
  key: string;
  step: number;
  agent?: string;
  title: string;
  tool?: string;
  /** `pending`: planned, not started; `stopped`: still running when the request ended; `skipped`: never started. */
  status: 'pending' | 'running' | 'completed' | 'failed' | 'stopped' | 'skipped';
  detail: string;
  /** The step's output text so far (an LLM's tokens), when it streams any. */
  output?: string;
  outputTruncated?: boolean;
}

interface PlannedStep {
  stepOrder: number;
  title?: string;
  tool?: string;
}

/** An agent that announces its plan (the demo's thought-agent) reports it as `data.plan`. */
function plannedSteps(state: RequestSnapshot): PlannedStep[] {
  for (const agent of state.agents) {
    const plan = agent.data?.plan;
    if (Array.isArray(plan)) return plan.filter((p): p is PlannedStep => typeof p?.stepOrder === 'number');
  }
  return [];
}

export function stepRows(state: RequestSnapshot): StepRow[] {
  const plan = new Map(plannedSteps(state).map((p) => [p.stepOrder, p]));
  const ended = ['completed', 'failed', 'cancelled'].includes(state.status);
  const rows = new Map<string, StepRow>();
  for (const s of state.steps) {
    const key = rows.has(String(s.step)) ? `${s.step}:${s.agent}` : String(s.step);
    const planned = plan.get(s.step);
    rows.set(key, {
      key,
      step: s.step,
      agent: s.agent,
      // The snapshot's title is the agent's `data.title`, else its plan's (withPlannedTitles).
      title: s.title ?? `Step ${s.step}`,
      tool: typeof s.tool === 'string' ? s.tool : planned?.tool,
      status: s.status === 'running' && ended ? 'stopped' : s.status,
      detail: describeValue(s.status === 'failed' ? s.error : s.result),
      ...(s.output === undefined ? {} : { output: s.output, outputTruncated: s.outputTruncated === true }),
    });
  }
  for (const p of plan.values()) {
    if (rows.has(String(p.stepOrder))) continue;
    rows.set(String(p.stepOrder), { key: String(p.stepOrder), step: p.stepOrder, title: p.title ?? `Step ${p.stepOrder}`, tool: p.tool, status: ended ? 'skipped' : 'pending', detail: '' });
  }
  return [...rows.values()].sort((a, b) => a.step - b.step || a.key.localeCompare(b.key));
}

const STATUS_TEXT: Record<StepRow['status'], string> = { pending: 'Pending', running: 'Running', completed: 'Done', failed: 'Failed', stopped: 'Stopped', skipped: 'Skipped' };

/**
 * Keeps one element per row and updates it in place, so that a bar's width
 * changes with a CSS transition (the bars "fill") instead of being redrawn.
 */
export function renderStepRows(list: HTMLElement, rows: StepRow[]): void {
  const existing = new Map([...list.children].map((el) => [(el as HTMLElement).dataset.key!, el as HTMLElement]));
  const ordered = rows.map((row) => {
    const element = existing.get(row.key) ?? createRow(row.key);
    existing.delete(row.key);
    updateRow(element, row);
    return element;
  });
  existing.forEach((el) => el.remove());
  ordered.forEach((el, i) => {
    if (list.children[i] !== el) list.insertBefore(el, list.children[i] ?? null);
  });
  list.classList.toggle('empty', rows.length === 0);
}

function createRow(key: string): HTMLElement {
  return h(
    'li',
    { class: 'step', 'data-key': key },
    h('span', { class: 'step-number' }),
    h('div', { class: 'step-main' }, h('div', { class: 'step-title' }), h('div', { class: 'step-detail' })),
    h('code', { class: 'step-tool' }),
    h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('div', { class: 'bar-fill' })),
    h('span', { class: 'step-status' }),
    h('pre', { class: 'step-output', hidden: true, tabindex: 0, 'aria-live': 'off' }),
    h('div', { class: 'step-output-note', hidden: true }, 'The output is longer than the gateway keeps for a page: the rest is in the event log.'),
  );
}

/**
 * Where each output box was last scrolled to by the page itself. The box
 * follows the end while the reader has not scrolled above that point: a
 * reader who scrolled up stays put as the text grows, and one who scrolls
 * back down to the end is followed again. (Scroll events come a frame
 * late, after the next delta may have been drawn: the position is read.)
 */
const placedAt = new WeakMap<HTMLElement, number>();

/**
 * Shows a step's output as it grows. Text only ever grows within a step, so
 * the new part is appended (never the whole text redrawn), and the box
 * scrolls with the end unless the reader scrolled up to read.
 */
function updateOutput(box: HTMLElement, note: HTMLElement, row: StepRow): void {
  box.hidden = row.output === undefined;
  note.hidden = !row.outputTruncated;
  const text = row.output ?? '';
  const shown = box.textContent ?? '';
  if (text === shown) return;
  const following = box.scrollTop >= (placedAt.get(box) ?? 0) - 1;
  if (text.length > shown.length && text.startsWith(shown)) box.append(text.slice(shown.length));
  else box.textContent = text;
  if (following) {
    box.scrollTop = box.scrollHeight;
    placedAt.set(box, box.scrollTop);
  }
}

const PERCENT: Record<StepRow['status'], number> = { pending: 0, running: 55, completed: 100, failed: 100, stopped: 55, skipped: 0 };

function updateRow(element: HTMLElement, row: StepRow): void {
  element.dataset.status = row.status;
  const [number, main, tool, bar, status, output, note] = element.children as unknown as HTMLElement[];
  number.textContent = String(row.step);
  main.children[0].textContent = row.title;
  main.children[1].textContent = row.detail;
  (main.children[1] as HTMLElement).hidden = row.detail === '';
  tool.textContent = row.tool ?? '';
  tool.hidden = !row.tool;
  bar.setAttribute('aria-valuenow', String(PERCENT[row.status]));
  (bar.firstElementChild as HTMLElement).style.width = `${PERCENT[row.status]}%`;
  status.textContent = STATUS_TEXT[row.status];
  updateOutput(output, note, row);
}
