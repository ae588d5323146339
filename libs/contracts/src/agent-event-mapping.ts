import { isObject, length, matches } from 'class-validator';
import { AgentEventBody, AgentEventTypes } from './amqp';
import { CommandError } from './error-codes';
import { isWellFormedText, OUTPUT_DELTA_MAX_BYTES, utf8Length } from './output-text';
import { FINAL_STATUSES, MAX_ID_CHARS, REQUEST_ID_PATTERN, STEP_STATUSES, type FinalStatus, type StepStatus } from './request-status';
import type { EventDraft } from './server-messages';
import { validateKnownFields } from './validation';

/** Why an agent event cannot be recorded; the text goes into the dead-letter header. */
export class UnusableEventError extends Error {
  override name = 'UnusableEventError';
}

function optionalNumber(data: Record<string, unknown>, key: string): number | undefined {
  const value = data[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UnusableEventError(`data.${key} must be a number`);
  return value;
}

function requiredString(data: Record<string, unknown>, key: string, maxChars = Infinity): string {
  const value = data[key];
  if (typeof value !== 'string' || value.length === 0) throw new UnusableEventError(`data.${key} must be a non-empty string`);
  if (value.length > maxChars) throw new UnusableEventError(`data.${key} must be at most ${maxChars} characters`);
  return value;
}

function oneOf<T extends string>(data: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const value = data[key];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new UnusableEventError(`data.${key} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** `data.delta` of an output event: text UTF-8 can carry, within the per-delta limit. */
function outputDelta(data: Record<string, unknown>): string {
  const delta = data.delta;
  if (typeof delta !== 'string') throw new UnusableEventError('data.delta must be a string');
  // A lone surrogate would come out of UTF-8 as U+FFFD: the text shown would not be the text written.
  if (!isWellFormedText(delta)) throw new UnusableEventError('data.delta must be well-formed Unicode (no lone surrogates)');
  const bytes = utf8Length(delta);
  if (bytes > OUTPUT_DELTA_MAX_BYTES) throw new UnusableEventError(`data.delta must be at most ${OUTPUT_DELTA_MAX_BYTES} bytes of UTF-8 (it has ${bytes})`);
  return delta;
}

const NO_NUL = /^[^\u0000]*$/;
const isId = (value: unknown) => length(value, 1, MAX_ID_CHARS);

/**
 * The checks of `AgentEventBody`'s decorators, with class-validator's own
 * check functions but without class-transformer and the metadata walk:
 * every broker body passes here, and the full validation costs several
 * times the rest of recording it. A body this refuses is validated again
 * by the DTO, for its reasons; a unit test keeps the two in agreement.
 */
export function isUsableEnvelope(raw: unknown): raw is AgentEventBody {
  if (!isObject(raw)) return false;
  const { type, requestId, agent, eventId, data } = raw as Record<string, unknown>;
  return (
    isId(type) &&
    typeof requestId === 'string' && matches(requestId, REQUEST_ID_PATTERN) &&
    isId(agent) &&
    NO_NUL.test(agent as string) &&
    (eventId === undefined || eventId === null || (isId(eventId) && NO_NUL.test(eventId as string))) &&
    isObject(data)
  );
}

/** The envelope of an `agent.events` body, or UnusableEventError with every reason. */
export function parseAgentEventEnvelope(raw: unknown): AgentEventBody {
  if (isUsableEnvelope(raw)) return raw;
  try {
    // Unknown top-level fields are tolerated: agents of other teams may add tracing fields.
    return validateKnownFields(AgentEventBody, raw);
  } catch (error) {
    const reason = error instanceof CommandError ? (error.details ?? []).map((d) => d.reasons.join('; ')).join('; ') : String(error);
    throw new UnusableEventError(reason || 'body must be a JSON object');
  }
}

/**
 * Maps a body from `agent.events` to the event the recorder stores
 * (docs/protocol.md §2 "becomes"). Throws UnusableEventError with the reason.
 * `fallbackEventId` is used when the agent gave no `eventId`.
 */
export function mapAgentEvent(raw: unknown, fallbackEventId: string): EventDraft {
  const body = parseAgentEventEnvelope(raw);
  const { type, requestId, agent, data } = body;
  const base = { requestId, eventId: body.eventId ?? fallbackEventId };

  if (type.endsWith(AgentEventTypes.progressSuffix)) {
    const status = oneOf<StepStatus>(data, 'status', STEP_STATUSES);
    const step = optionalNumber(data, 'stepOrder') ?? optionalNumber(data, 'step');
    return { ...base, type: 'progress', agent, status, data, ...(step === undefined ? {} : { step }) };
  }
  if (type.endsWith(AgentEventTypes.outputSuffix)) {
    const step = optionalNumber(data, 'stepOrder') ?? optionalNumber(data, 'step');
    if (step === undefined) throw new UnusableEventError('data.stepOrder or data.step must be a number');
    return { ...base, type: 'output', agent, step, delta: outputDelta(data) };
  }
  switch (type) {
    case AgentEventTypes.completed:
      return { ...base, type: 'agent.completed', agent, data };
    case AgentEventTypes.question: {
      const options = data.options;
      if (options !== undefined && !(Array.isArray(options) && options.every((o) => typeof o === 'string'))) {
        throw new UnusableEventError('data.options must be an array of strings');
      }
      return {
        ...base,
        type: 'question',
        agent,
        // A longer id could never be answered: feedback's questionId has the same limit.
        questionId: requiredString(data, 'questionId', MAX_ID_CHARS),
        prompt: requiredString(data, 'prompt'),
        ...(options === undefined ? {} : { options: options as string[] }),
      };
    }
    case AgentEventTypes.error: {
      const step = optionalNumber(data, 'step');
      return { ...base, type: 'error', agent, message: requiredString(data, 'message'), ...(step === undefined ? {} : { step }) };
    }
    case AgentEventTypes.requestCompleted: {
      const status = oneOf<FinalStatus>(data, 'status', FINAL_STATUSES);
      return {
        ...base,
        type: 'request.completed',
        status,
        ...(data.result === undefined ? {} : { result: data.result }),
        ...(data.error === undefined ? {} : { error: data.error }),
      };
    }
    default:
      throw new UnusableEventError(`unknown type '${type}'`);
  }
}
