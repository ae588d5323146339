import {
  REQUEST_ID_MESSAGE,
  REQUEST_ID_PATTERN,
  StartRequestCommand,
  validateKnownFields,
  type CancelRequestCommand,
  type FeedbackRequestCommand,
} from '@app/contracts';

type Body = StartRequestCommand | CancelRequestCommand | FeedbackRequestCommand;

/**
 * Parses and validates a command delivery. Unknown fields are dropped, not
 * refused: the gateway may add some (tracing) without breaking older workers.
 * Throws with a reason when the body is unusable.
 */
export function parseCommand<T extends Body>(dto: new () => T, content: Buffer): T {
  const body = validateKnownFields(dto, parseJson(content));
  if (body instanceof StartRequestCommand) body.context ??= {};
  return body;
}

/**
 * An extension command (`request.<name>`): its fields are the extension's
 * own, so only `requestId` is checked and everything else is handed over as sent.
 */
export function parseForwardedCommand(content: Buffer): { requestId: string } & Record<string, unknown> {
  const raw = parseJson(content);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('body is not a JSON object');
  const { requestId } = raw as { requestId?: unknown };
  if (typeof requestId !== 'string' || !REQUEST_ID_PATTERN.test(requestId)) throw new Error(REQUEST_ID_MESSAGE);
  return raw as { requestId: string } & Record<string, unknown>;
}

function parseJson(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    throw new Error('body is not JSON');
  }
}
