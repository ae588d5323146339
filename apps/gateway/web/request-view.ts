import type { RequestSnapshot, RequestWatch } from '@app/client';
import { byId } from './dom';
import { renderQuestions } from './question-cards';
import { renderAgents, renderOutcome, renderOverall, renderRequestHeader } from './request-parts';
import { renderStepRows, stepRows } from './step-rows';

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
    renderRequestHeader({ title: 'request-title', requestId: 'request-id', status: 'request-status', cancel: 'cancel' }, state, STATUS_TEXT);

    const rows = stepRows(state);
    renderOverall(byId('overall-fill'), byId('overall-text'), state, rows);
    renderAgents(byId('agents'), state);
    renderQuestions(byId('questions'), state, watch, this.onError);
    renderStepRows(byId('steps'), rows);

    renderOutcome(byId('outcome'), state);

    const refused = byId('refused');
    refused.hidden = !state.refused;
    refused.textContent = state.refused ? `You cannot watch this request (${state.refused.code}): ${state.refused.message}` : '';
    this.onChange(state);
  }
}
