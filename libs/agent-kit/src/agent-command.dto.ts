import { IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import {
  ANSWER_MAX_CHARS,
  REQUEST_ID_PATTERN,
  USER_QUERY_MAX_CHARS,
  validatePayload,
  type CancelRequestCommand,
  type FeedbackRequestCommand,
  type StartRequestCommand,
} from '@app/contracts';

// Validators for the `agent.commands` bodies; the shapes themselves are the contracts' interfaces.

const REQUEST_ID_MESSAGE = 'requestId must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';

export class StartRequestBody implements StartRequestCommand {
  @IsString() @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;

  @IsString() @Length(1, USER_QUERY_MAX_CHARS)
  userQuery!: string;

  @IsOptional() @IsObject()
  context!: Record<string, unknown>;

  @IsString() @Length(1, 200)
  owner!: string;
}

export class CancelRequestBody implements CancelRequestCommand {
  @IsString() @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;
}

export class FeedbackRequestBody implements FeedbackRequestCommand {
  @IsString() @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;

  @IsString() @Length(1, 200)
  questionId!: string;

  @IsString() @MaxLength(ANSWER_MAX_CHARS)
  answer!: string;
}

type Body = StartRequestBody | CancelRequestBody | FeedbackRequestBody;
const FIELDS = new Map<new () => Body, string[]>([
  [StartRequestBody, ['requestId', 'userQuery', 'context', 'owner']],
  [CancelRequestBody, ['requestId']],
  [FeedbackRequestBody, ['requestId', 'questionId', 'answer']],
]);

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
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const fields = FIELDS.get(dto) ?? [];
    raw = Object.fromEntries(Object.entries(raw).filter(([key]) => fields.includes(key)));
  }
  const body = validatePayload(dto, raw);
  if (body instanceof StartRequestBody) body.context ??= {};
  return body;
}
