import { findShapeProblem, UnusableEventError } from '@app/contracts';

/** Throws on bytes that are not UTF-8, where Buffer#toString would put U+FFFD in their place. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An `agent.events` body as JSON (docs/protocol.md §2), or UnusableEventError
 * saying why it cannot be: larger than MAX_EVENT_BYTES, not valid UTF-8
 * anywhere (strings included), not JSON, or nested deeper than a payload may
 * be (recording and delivery serialise it with recursive code).
 */
export function decodeAgentEventBody(content: Buffer, maxBytes: number): unknown {
  if (content.length > maxBytes) throw new UnusableEventError(`body is ${content.length} bytes, more than MAX_EVENT_BYTES (${maxBytes})`);
  let text: string;
  try {
    text = strictUtf8.decode(content);
  } catch {
    throw new UnusableEventError('body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UnusableEventError('body is not JSON');
  }
  const problem = findShapeProblem(body);
  if (problem) throw new UnusableEventError(problem.reasons.join('; ').replace('(payload)', 'body'));
  return body;
}
