import { byId } from './dom';

export interface RunRequest {
  userQuery: string;
  context: { demo: Record<string, number> };
  /** Which of the demo agents' workflows runs it (`start.workflow`). */
  workflow: string;
}

const KNOBS = [
  ['knob-steps', 'steps'],
  ['knob-step-delay', 'stepDelayMs'],
  ['knob-ask-at', 'askAtStep'],
  ['knob-fail-at', 'failAtStep'],
  ['knob-stream-at', 'streamAtStep'],
  ['knob-tokens-per-second', 'tokensPerSecond'],
  ['knob-stream-tokens', 'streamTokens'],
] as const;

/** The "new run" form: a query, a workflow, and the demo knobs of docs/protocol.md §4 (`context.demo`); empty knobs are left out. */
export function onRunSubmitted(start: (run: RunRequest) => Promise<void>): void {
  const form = byId<HTMLFormElement>('run-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const demo: Record<string, number> = {};
    for (const [id, knob] of KNOBS) {
      const value = byId<HTMLInputElement>(id).value.trim();
      if (value !== '') demo[knob] = Number(value);
    }
    const button = byId<HTMLButtonElement>('start');
    button.disabled = true;
    try {
      await start({ userQuery: byId<HTMLTextAreaElement>('query').value.trim(), context: { demo }, workflow: byId<HTMLSelectElement>('workflow').value });
    } finally {
      button.disabled = false;
    }
  });
}
