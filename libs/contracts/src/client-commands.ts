import { Equals, IsInt, IsObject, IsOptional, IsString, Length, Matches, MaxLength, Min, ValidateIf } from 'class-validator';
import { MAX_ID_CHARS, REQUEST_ID_MESSAGE, REQUEST_ID_PATTERN, WORKFLOW_MESSAGE, WORKFLOW_PATTERN } from './request-status';
import { MaxJsonBytes, NoNulCharacters } from './validation';
import { ANSWER_MAX_CHARS, CONTEXT_MAX_BYTES, USER_QUERY_MAX_CHARS } from './wire/client-commands';
import type * as wire from './wire/client-commands';

// The payloads' shapes, the acks and the event map are the plain ones of `wire/`; the DTO classes
// here implement them and carry the validation the gateway applies.
export { ANSWER_MAX_CHARS, CONTEXT_MAX_BYTES, USER_QUERY_MAX_CHARS };
export type { AckFailure, CancelAck, ClientToServerEvents, FeedbackAck, LeaveAck, RejoinAck, StartAck } from './wire/client-commands';

/**
 * The guide sent `{ type: 'cancel', requestId }`; a `type` equal to the event
 * name is accepted, any other value is a validation failure.
 */
function commandType(name: string): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    Equals(name, { message: `type must be '${name}' when given` })(target, key);
  };
}

abstract class RequestCommand {
  @IsString()
  @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;
}

export class StartCommand extends RequestCommand implements wire.StartCommand {
  @commandType('start') type?: 'start';

  @IsString()
  @Length(1, USER_QUERY_MAX_CHARS)
  @NoNulCharacters()
  userQuery!: string;

  // Absent is fine; null is not an object (IsOptional would let it through).
  @ValidateIf((command: StartCommand) => command.context !== undefined)
  @IsObject()
  @MaxJsonBytes(CONTEXT_MAX_BYTES)
  context?: Record<string, unknown>;

  /** The agents to run it (docs/protocol.md §1); absent: the default workflow. */
  @IsOptional()
  @IsString()
  @Matches(WORKFLOW_PATTERN, { message: WORKFLOW_MESSAGE })
  workflow?: string;
}

export class CancelCommand extends RequestCommand implements wire.CancelCommand {
  @commandType('cancel') type?: 'cancel';
}

export class FeedbackCommand extends RequestCommand implements wire.FeedbackCommand {
  @commandType('feedback') type?: 'feedback';

  @IsString()
  @Length(1, MAX_ID_CHARS)
  @NoNulCharacters()
  questionId!: string;

  @IsString()
  @MaxLength(ANSWER_MAX_CHARS)
  answer!: string;
}

export class RejoinCommand extends RequestCommand implements wire.RejoinCommand {
  @commandType('rejoin') type?: 'rejoin';

  @IsOptional()
  @IsInt()
  @Min(0)
  lastSeq?: number;
}

export class LeaveCommand extends RequestCommand implements wire.LeaveCommand {
  @commandType('leave') type?: 'leave';
}

/** Each client command's event name and DTO: the single list the gateway validates against. */
export const CLIENT_COMMANDS = {
  start: StartCommand,
  cancel: CancelCommand,
  feedback: FeedbackCommand,
  rejoin: RejoinCommand,
  leave: LeaveCommand,
} as const;
export type ClientCommandName = keyof typeof CLIENT_COMMANDS;
