import type { ErrorCode } from './error-codes';
import { RECORDED_TYPE_NAMES, type FinalStatus, type RequestStatus, type StepStatus } from '../request-status';

/** Fields every recorded message about a request carries. */
export interface RecordedEnvelope {
  requestId: string;
  /** Per request, from 1, +1 for every recorded event. */
  seq: number;
  /** When the event was recorded, `Date.prototype.toISOString()`. */
  ts: string;
}

export interface ProgressFields {
  /** The agent that reported it. */
  agent: string;
  /** The step's order (`data.stepOrder`, else `data.step`). */
  step?: number;
  status: StepStatus;
  /** The agent's data, unchanged. */
  data: Record<string, unknown>;
}
export interface AgentCompletedFields {
  agent: string;
  data: Record<string, unknown>;
}
export interface QuestionFields {
  agent: string;
  questionId: string;
  prompt: string;
  options?: string[];
}
export interface AgentErrorFields {
  agent: string;
  message: string;
  step?: number;
}
export interface RequestCompletedFields {
  status: FinalStatus;
  /** Any JSON value. */
  result?: unknown;
  /** Any JSON value. */
  error?: unknown;
}
export interface StatusFields {
  /** The request's new status. */
  status: RequestStatus;
  reason?: string;
  /** Set when the change is a question being answered. */
  questionId?: string;
  /** Set on a request's first event (`queued`): the user who started it. */
  owner?: string;
}

export interface OutputFields {
  agent: string;
  /** The step's order (`data.stepOrder`, else `data.step`). */
  step: number;
  /** A piece of the step's output text: the output is the concatenation of the deltas in seq order. */
  delta: string;
}

/** Fields of each recorded message type, besides `type`, `requestId`, `seq`, `ts`. */
export interface RecordedFieldsByType {
  progress: ProgressFields;
  'agent.completed': AgentCompletedFields;
  question: QuestionFields;
  error: AgentErrorFields;
  'request.completed': RequestCompletedFields;
  status: StatusFields;
  output: OutputFields;
}
export type RecordedType = keyof RecordedFieldsByType;
export const RECORDED_TYPES: readonly RecordedType[] = RECORDED_TYPE_NAMES;

/** How OpenAPI shows a recorded message: the envelope and `type`; the other fields depend on the type. */
export interface RecordedMessageEnvelope extends RecordedEnvelope {
  /** Also the Socket.IO event name. */
  type: RecordedType;
}

/** Body of a message on the fan-out exchange: recorded events, in seq order per request. */
export interface RecordedBatch {
  events: RecordedMessage[];
}

/** An event before it is recorded: the recorder gives it `seq` and `ts`. */
export type EventDraft = {
  [T in RecordedType]: { type: T; requestId: string; eventId: string } & RecordedFieldsByType[T];
}[RecordedType];

/** A recorded message exactly as a client receives it (live, in `state.events`, or over HTTP). */
export type RecordedMessage = {
  [T in RecordedType]: { type: T } & RecordedEnvelope & RecordedFieldsByType[T];
}[RecordedType];

export type ProgressMessage = Extract<RecordedMessage, { type: 'progress' }>;
export type QuestionMessage = Extract<RecordedMessage, { type: 'question' }>;
export type RequestCompletedMessage = Extract<RecordedMessage, { type: 'request.completed' }>;
export type StatusMessage = Extract<RecordedMessage, { type: 'status' }>;
export type OutputMessage = Extract<RecordedMessage, { type: 'output' }>;

export interface AgentSummary {
  agent: string;
  status: StepStatus;
  /** The agent's last data. */
  data?: Record<string, unknown>;
}
export interface StepSummary {
  agent: string;
  step: number;
  stepId?: string;
  /** What the agent says the step is: `data.title` of its progress, else the title its agent's plan gives it (`agent.completed` `data.plan`). */
  title?: string;
  status: StepStatus;
  /** Any JSON value. */
  tool?: unknown;
  /** Any JSON value. */
  result?: unknown;
  /** Any JSON value. */
  error?: unknown;
  /** The step's output deltas so far, concatenated in seq order (at most OUTPUT_MAX_BYTES of UTF-8). */
  output?: string;
  /** The output passed the limit: `output` holds its longest prefix of whole characters within it. */
  outputTruncated?: true;
}
/** A question an agent waits on: the `question` message's fields. */
export type PendingQuestion = QuestionFields;

/** What the log folds into (docs/protocol.md §1 `state`, without the envelope). */
export interface RequestProjection {
  status: RequestStatus;
  agents: AgentSummary[];
  steps: StepSummary[];
  pendingQuestions: PendingQuestion[];
  /** Every question id ever asked: tells an unknown question (NOT_FOUND) from an answered one (CONFLICT). */
  askedQuestionIds: string[];
  result?: unknown;
  error?: unknown;
}

/** The `state` message. */
export interface StateMessage {
  type: 'state';
  requestId: string;
  /** Last event reflected in this snapshot (0: none yet). */
  seq: number;
  status: RequestStatus;
  userQuery?: string;
  createdAt?: string;
  updatedAt?: string;
  agents: AgentSummary[];
  steps: StepSummary[];
  pendingQuestions: PendingQuestion[];
  /** Any JSON value: the run's result. */
  result?: unknown;
  /** Any JSON value: why the run failed. */
  error?: unknown;
  /** Present exactly when `rejoin` gave a `lastSeq`: the messages with seq > lastSeq. */
  events?: RecordedMessage[];
  /** More than the replay limit were missed: `events` holds the last ones only. */
  truncated?: true;
  /** Values left out so that the snapshot stays within its bound (4 × SLOW_CLIENT_MAX_BYTES) (paths into the full snapshot); the event log keeps them. */
  omitted?: string[];
}

/** The `error` sent when a handshake asks to watch someone else's request: not recorded, no `seq`. */
export interface WatchRefusedMessage {
  type: 'error';
  requestId: string;
  code: ErrorCode;
  message: string;
}

/** Socket.IO events the gateway emits (event name = message type). */
export interface ServerToClientEvents {
  progress: (message: ProgressMessage) => void;
  'agent.completed': (message: Extract<RecordedMessage, { type: 'agent.completed' }>) => void;
  question: (message: QuestionMessage) => void;
  error: (message: Extract<RecordedMessage, { type: 'error' }> | WatchRefusedMessage) => void;
  'request.completed': (message: RequestCompletedMessage) => void;
  status: (message: StatusMessage) => void;
  output: (message: OutputMessage) => void;
  state: (message: StateMessage) => void;
}
