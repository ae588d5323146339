import { Equals, IsInt, IsObject, IsOptional, IsString, Length, Matches, MaxLength, Min, ValidateIf } from 'class-validator';
import type { ErrorBody } from './error-codes';
import { MAX_ID_CHARS, REQUEST_ID_MESSAGE, REQUEST_ID_PATTERN, WORKFLOW_MESSAGE, WORKFLOW_PATTERN, type RequestStatus } from './request-status';
import { MaxJsonBytes, NoNulCharacters } from './validation';

export const USER_QUERY_MAX_CHARS = 10_000;
export const ANSWER_MAX_CHARS = 10_000;
export const CONTEXT_MAX_BYTES = 64 * 1024;

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

export class StartCommand extends RequestCommand {
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

  /** The agents to run it (PROTOCOL.md §1); absent: the default workflow. */
  @IsOptional()
  @IsString()
  @Matches(WORKFLOW_PATTERN, { message: WORKFLOW_MESSAGE })
  workflow?: string;
}

export class CancelCommand extends RequestCommand {
  @commandType('cancel') type?: 'cancel';
}

export class FeedbackCommand extends RequestCommand {
  @commandType('feedback') type?: 'feedback';

  @IsString()
  @Length(1, MAX_ID_CHARS)
  questionId!: string;

  @IsString()
  @MaxLength(ANSWER_MAX_CHARS)
  answer!: string;
}

export class RejoinCommand extends RequestCommand {
  @commandType('rejoin') type?: 'rejoin';

  @IsOptional()
  @IsInt()
  @Min(0)
  lastSeq?: number;
}

export class LeaveCommand extends RequestCommand {
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

export type AckFailure = { ok: false; error: ErrorBody };
export type StartAck = { ok: true; requestId: string; status: RequestStatus };
export type CancelAck = { ok: true; status: RequestStatus };
export type FeedbackAck = { ok: true };
export type RejoinAck = { ok: true; seq: number };
export type LeaveAck = { ok: true };

/** Socket.IO events a client sends; the last argument is the acknowledgement. */
export interface ClientToServerEvents {
  start: (payload: Omit<StartCommand, never>, ack?: (reply: StartAck | AckFailure) => void) => void;
  cancel: (payload: Omit<CancelCommand, never>, ack?: (reply: CancelAck | AckFailure) => void) => void;
  feedback: (payload: Omit<FeedbackCommand, never>, ack?: (reply: FeedbackAck | AckFailure) => void) => void;
  rejoin: (payload: Omit<RejoinCommand, never>, ack?: (reply: RejoinAck | AckFailure) => void) => void;
  leave: (payload: Omit<LeaveCommand, never>, ack?: (reply: LeaveAck | AckFailure) => void) => void;
}
