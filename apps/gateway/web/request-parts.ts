import type { RequestSnapshot } from '@app/client';
import { isFinalStatus } from '@app/contracts/request-status';
import { byId, describeValue, h } from './dom';
import type { StepRow } from './step-rows';

/** Whether anything about the request has arrived yet (until then it reads as loading). */
export const hasLoaded = (state: RequestSnapshot): boolean => state.seq > 0 || state.status !== 'unknown';

/**
 * Parts of a request's picture that the progress page and the operator
 * console draw alike: the header, the agent chips, the overall bar, the outcome line.
 */
export function renderAgents(list: HTMLElement, state: RequestSnapshot): void {
  list.replaceChildren(
    ...state.agents.map((a) => {
      // An agent still "running" when its request ended was stopped (cancelled, or another agent failed).
      const status = a.status === 'running' && isFinalStatus(state.status) ? 'stopped' : a.status;
      return h('li', { class: 'agent', 'data-status': status }, h('span', { class: 'dot' }), h('span', { class: 'agent-name' }, a.agent), h('span', { class: 'agent-status' }, status));
    }),
  );
}

/** The overall bar's fill and its caption. */
export function renderOverall(fill: HTMLElement, caption: HTMLElement, state: RequestSnapshot, rows: StepRow[]): void {
  const loaded = hasLoaded(state);
  const done = rows.filter((r) => r.status === 'completed').length;
  const percent = rows.length === 0 ? (isFinalStatus(state.status) ? 100 : 0) : Math.round((100 * done) / rows.length);
  fill.style.width = `${percent}%`;
  (fill.closest('.overall') as HTMLElement).dataset.status = state.status;
  caption.textContent = rows.length === 0 ? (loaded ? 'Planning…' : '') : `${done} of ${rows.length} steps done`;
}

/** The result, the error, or the cancellation, once the request has ended. */
export function renderOutcome(element: HTMLElement, state: RequestSnapshot): void {
  element.hidden = !isFinalStatus(state.status);
  element.dataset.status = state.status;
  element.textContent =
    state.status === 'completed' ? describeValue(state.result) : state.status === 'failed' ? describeValue(state.error) || 'The request failed.' : 'The request was cancelled.';
}

/** The ids of a request panel's header elements; each page names its own. */
export interface RequestHeaderIds {
  title: string;
  requestId: string;
  status: string;
  cancel: string;
}

/**
 * The header: the question (or "Loading…" until anything arrives), the id, the status badge in the
 * page's own words (`statusText`), and the cancel button, shown only while the request can still end.
 */
export function renderRequestHeader(ids: RequestHeaderIds, state: RequestSnapshot, statusText: Record<string, string>): void {
  const loaded = hasLoaded(state);
  byId(ids.title).textContent = state.userQuery ?? (loaded ? 'Request' : 'Loading…');
  byId(ids.requestId).textContent = state.requestId;
  const badge = byId(ids.status);
  badge.className = `badge badge-${state.status}`;
  badge.textContent = statusText[state.status] ?? state.status;
  const cancel = byId<HTMLButtonElement>(ids.cancel);
  cancel.hidden = !loaded || isFinalStatus(state.status);
  cancel.disabled = state.status === 'cancelling';
}
