/** Every status a request can be in, as the `state` snapshot reports it. */
export const REQUEST_STATUSES = [
  'unknown',
  'queued',
  'running',
  'waiting',
  'cancelling',
  'completed',
  'failed',
  'cancelled',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Statuses after which nothing more happens to a request. */
export const FINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export function isFinalStatus(status: string): status is FinalStatus {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

/** Status of one step or one agent. */
export const STEP_STATUSES = ['running', 'completed', 'failed'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Request ids as docs/protocol.md §1 allows them. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Longest user id, agent name, event id or question id: they travel in every message. */
export const MAX_ID_CHARS = 200;

export const REQUEST_ID_MESSAGE = 'requestId must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';

/** Workflow names (docs/protocol.md §1 `start.workflow`): the last word of a routing key and part of a queue name. */
export const WORKFLOW_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const WORKFLOW_MESSAGE = 'workflow must match ^[a-z0-9][a-z0-9._-]{0,63}$';

/** The types a recorded message can have (docs/protocol.md §1, server → client). */
export const RECORDED_TYPE_NAMES = ['progress', 'agent.completed', 'question', 'error', 'request.completed', 'status', 'output'] as const;
