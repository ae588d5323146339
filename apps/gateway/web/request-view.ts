import type { RequestSnapshot, RequestWatch } from '@app/client';
import { byId, describeValue, h } from './dom';
import { renderQuestions } from './question-cards';
import { renderStepRows, stepRows } from './step-rows';

const FINAL = ['completed', 'failed', 'cancelled'];

const STATUS_TEXT: Record<string, string> = {
  unknown: 'Not started',
  queued: 'Queued',
  running: 'Running',
  waiting: 'Waiting for you',
  cancelling: 'Cancelling…',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The main panel: one watched request, redrawn from the SDK's snapshot on every change. */
export class RequestView {
  private watch: RequestWatch | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly onChange: (state: RequestSnapshot) => void,
    private readonly onError: (message: string) => void,
  ) {
    byId('cancel').addEventListener('click', () => void this.cancel());
  }

  show(watch: RequestWatch): void {
    this.unsubscribe?.();
    this.watch = watch;
    byId('steps').replaceChildren();
    byId('questions').replaceChildren();
    byId('request').hidden = false;
    byId('welcome').hidden = true;
    this.unsubscribe = watch.subscribe(() => this.render(watch.getSnapshot()));
    this.render(watch.getSnapshot());
  }

  private async cancel(): Promise<void> {
    const button = byId<HTMLButtonElement>('cancel');
    button.disabled = true;
    try {
      await this.watch?.cancel();
    } catch (error) {
      this.onError(`Could not cancel: ${(error as Error).message}`);
      button.disabled = false;
    }
  }

  private render(state: RequestSnapshot): void {
    const watch = this.watch!;
    const loaded = state.seq > 0 || state.status !== 'unknown';
    byId('request-title').textContent = state.userQuery ?? (loaded ? 'Request' : 'Loading…');
    byId('request-id').textContent = state.requestId;
    const badge = byId('request-status');
    badge.className = `badge badge-${state.status}`;
    badge.textContent = STATUS_TEXT[state.status] ?? state.status;
    const cancel = byId<HTMLButtonElement>('cancel');
    cancel.hidden = !loaded || FINAL.includes(state.status);
    cancel.disabled = state.status === 'cancelling';

    const rows = stepRows(state);
    const done = rows.filter((r) => r.status === 'completed').length;
    const percent = rows.length === 0 ? (FINAL.includes(state.status) ? 100 : 0) : Math.round((100 * done) / rows.length);
    byId('overall-fill').style.width = `${percent}%`;
    byId('overall').dataset.status = state.status;
    byId('overall-text').textContent = rows.length === 0 ? (loaded ? 'Planning…' : '') : `${done} of ${rows.length} steps done`;

    byId('agents').replaceChildren(
      ...state.agents.map((a) => {
        // An agent still "running" when its request ended was stopped (cancelled, or another agent failed).
        const status = a.status === 'running' && FINAL.includes(state.status) ? 'stopped' : a.status;
        return h('li', { class: 'agent', 'data-status': status }, h('span', { class: 'dot' }), h('span', { class: 'agent-name' }, a.agent), h('span', { class: 'agent-status' }, status));
      }),
    );
    renderQuestions(byId('questions'), state, watch, this.onError);
    renderStepRows(byId('steps'), rows);

    const outcome = byId('outcome');
    outcome.hidden = !FINAL.includes(state.status);
    outcome.dataset.status = state.status;
    outcome.textContent =
      state.status === 'completed' ? describeValue(state.result) : state.status === 'failed' ? describeValue(state.error) || 'The request failed.' : 'The request was cancelled.';

    const refused = byId('refused');
    refused.hidden = !state.refused;
    refused.textContent = state.refused ? `You cannot watch this request (${state.refused.code}): ${state.refused.message}` : '';
    this.onChange(state);
  }
}
