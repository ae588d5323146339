import type { RequestSnapshot } from '@app/client';
import { describeValue, h } from './dom';
import type { StepRow } from './step-rows';

const FINAL = ['completed', 'failed', 'cancelled'];

/**
 * Parts of a request's picture that the progress page and the operator
 * console draw alike: the agent chips, the overall bar, the outcome line.
 */
export function renderAgents(list: HTMLElement, state: RequestSnapshot): void {
  list.replaceChildren(
    ...state.agents.map((a) => {
      // An agent still "running" when its request ended was stopped (cancelled, or another agent failed).
      const status = a.status === 'running' && FINAL.includes(state.status) ? 'stopped' : a.status;
      return h('li', { class: 'agent', 'data-status': status }, h('span', { class: 'dot' }), h('span', { class: 'agent-name' }, a.agent), h('span', { class: 'agent-status' }, status));
    }),
  );
}

/** The overall bar's fill and its caption. */
export function renderOverall(fill: HTMLElement, caption: HTMLElement, state: RequestSnapshot, rows: StepRow[]): void {
  const loaded = state.seq > 0 || state.status !== 'unknown';
  const done = rows.filter((r) => r.status === 'completed').length;
  const percent = rows.length === 0 ? (FINAL.includes(state.status) ? 100 : 0) : Math.round((100 * done) / rows.length);
  fill.style.width = `${percent}%`;
  (fill.closest('.overall') as HTMLElement).dataset.status = state.status;
  caption.textContent = rows.length === 0 ? (loaded ? 'Planning…' : '') : `${done} of ${rows.length} steps done`;
}

/** The result, the error, or the cancellation, once the request has ended. */
export function renderOutcome(element: HTMLElement, state: RequestSnapshot): void {
  element.hidden = !FINAL.includes(state.status);
  element.dataset.status = state.status;
  element.textContent =
    state.status === 'completed' ? describeValue(state.result) : state.status === 'failed' ? describeValue(state.error) || 'The request failed.' : 'The request was cancelled.';
}
