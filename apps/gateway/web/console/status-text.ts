/** How a request status reads in the console. */
export const STATUS_TEXT: Record<string, string> = {
  unknown: 'Unknown',
  queued: 'Queued',
  running: 'Running',
  waiting: 'Waiting for an answer',
  cancelling: 'Cancelling…',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
