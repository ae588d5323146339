import type { ErrorBody } from './error-codes';
import type { RequestStatus } from '../request-status';

export const USER_QUERY_MAX_CHARS = 10_000;
export const ANSWER_MAX_CHARS = 10_000;
export const CONTEXT_MAX_BYTES = 64 * 1024;

/** Every command names its request. A `type` equal to the event name may be sent too (the guide did). */
interface RequestCommand {
  requestId: string;
}

export interface StartCommand extends RequestCommand {
  type?: 'start';
  userQuery: string;
  context?: Record<string, unknown>;
  /** The agents' workflow (`^[a-z0-9][a-z0-9._-]{0,63}$`); absent: the default one. */
  workflow?: string;
}

export interface CancelCommand extends RequestCommand {
  type?: 'cancel';
}

export interface FeedbackCommand extends RequestCommand {
  type?: 'feedback';
  questionId: string;
  answer: string;
}

export interface RejoinCommand extends RequestCommand {
  type?: 'rejoin';
  lastSeq?: number;
}

export interface LeaveCommand extends RequestCommand {
  type?: 'leave';
}

export type AckFailure = { ok: false; error: ErrorBody };
export type StartAck = { ok: true; requestId: string; status: RequestStatus };
export type CancelAck = { ok: true; status: RequestStatus };
export type FeedbackAck = { ok: true };
export type RejoinAck = { ok: true; seq: number };
export type LeaveAck = { ok: true };

/** Socket.IO events a client sends; the last argument is the acknowledgement. */
export interface ClientToServerEvents {
  start: (payload: StartCommand, ack?: (reply: StartAck | AckFailure) => void) => void;
  cancel: (payload: CancelCommand, ack?: (reply: CancelAck | AckFailure) => void) => void;
  feedback: (payload: FeedbackCommand, ack?: (reply: FeedbackAck | AckFailure) => void) => void;
  rejoin: (payload: RejoinCommand, ack?: (reply: RejoinAck | AckFailure) => void) => void;
  leave: (payload: LeaveCommand, ack?: (reply: LeaveAck | AckFailure) => void) => void;
}
