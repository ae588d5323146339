import { randomUUID } from 'node:crypto';
import type { EventDraft } from '@app/contracts';

/** Agent event drafts as the recorder hands them to the store, for the persistence tests. */
export const rid = () => `req-${randomUUID()}`;
export const eid = () => randomUUID();

export const queued = (requestId: string): EventDraft => ({ type: 'status', requestId, eventId: eid(), status: 'queued' });
export const progress = (requestId: string, step: number, eventId = eid()): EventDraft => ({
  type: 'progress',
  requestId,
  eventId,
  agent: 'researcher',
  step,
  status: 'running',
  data: { stepOrder: step, note: `step ${step}` },
});
