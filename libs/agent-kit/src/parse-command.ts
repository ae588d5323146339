import {
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
  let raw: unknown;
  try {
    raw = JSON.parse(content.toString('utf8'));
  } catch {
    throw new Error('body is not JSON');
  }
  const body = validateKnownFields(dto, raw);
  if (body instanceof StartRequestCommand) body.context ??= {};
  return body;
}
