import type { EventDraft, RecordedFieldsByType, RecordedMessage, RecordedType } from '@app/contracts';

type Fields = Record<string, unknown>;

/**
 * Key order of each type's fields (docs/protocol.md §1 tables). A message read back
 * from the log is rebuilt in this order, and a live one is built the same way:
 * both look alike on the wire.
 */
const FIELD_ORDER: { [T in RecordedType]: ReadonlyArray<keyof RecordedFieldsByType[T] & string> } = {
  progress: ['agent', 'step', 'status', 'data'],
  'agent.completed': ['agent', 'data'],
  question: ['agent', 'questionId', 'prompt', 'options'],
  error: ['agent', 'message', 'step'],
  'request.completed': ['status', 'result', 'error'],
  status: ['status', 'reason', 'questionId', 'owner'],
  output: ['agent', 'step', 'delta'],
};

const ENVELOPE_KEYS = new Set(['type', 'requestId', 'eventId', 'seq', 'ts']);

function inFieldOrder(type: RecordedType, fields: Fields): Fields {
  const ordered: Fields = {};
  const known: readonly string[] = FIELD_ORDER[type] ?? [];
  for (const key of known) if (fields[key] !== undefined) ordered[key] = fields[key];
  const extra = Object.keys(fields).filter((key) => !ENVELOPE_KEYS.has(key) && !known.includes(key) && fields[key] !== undefined);
  for (const key of extra.sort()) ordered[key] = fields[key];
  return ordered;
}

/** What goes into `request_events.payload`: the draft without its envelope, in field order. */
export function payloadOf(draft: EventDraft): Fields {
  return inFieldOrder(draft.type, draft as unknown as Fields);
}

/** `request_events.agent`: the types without an agent (status, request.completed) store null. */
export function agentOf(draft: EventDraft): string | null {
  return 'agent' in draft ? draft.agent : null;
}

/** A message from a payload already in field order (`payloadOf`). */
export function messageOf(type: RecordedType, requestId: string, seq: number, ts: string, orderedPayload: Fields): RecordedMessage {
  return { type, requestId, seq, ts, ...orderedPayload } as RecordedMessage;
}

/** A message from a stored row. */
export function toRecordedMessage(type: RecordedType, requestId: string, seq: number, recordedAt: Date, payload: Fields): RecordedMessage {
  return messageOf(type, requestId, seq, recordedAt.toISOString(), inFieldOrder(type, payload));
}
