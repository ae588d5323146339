import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { RECORDED_TYPE_NAMES, REQUEST_STATUSES, STEP_STATUSES, type FinalStatus, type RequestStatus, type StepStatus } from './request-status';
import type { RecordedMessage, RecordedType } from './wire/server-messages';
import type * as wire from './wire/server-messages';

// The shapes are the interfaces of `wire/`. The snapshot's parts are also
// classes implementing them, so that the OpenAPI document is generated from
// these declarations; as types they behave exactly like the interfaces.
export { RECORDED_TYPES } from './wire/server-messages';
export type {
  EventDraft,
  ProgressMessage,
  QuestionMessage,
  RecordedBatch,
  RecordedFieldsByType,
  RecordedMessage,
  RecordedType,
  RequestCompletedMessage,
  OutputMessage,
  RequestProjection,
  ServerToClientEvents,
  StatusMessage,
  WatchRefusedMessage,
} from './wire/server-messages';

/** Fields every recorded message about a request carries. */
export class RecordedEnvelope implements wire.RecordedEnvelope {
  @ApiProperty()
  requestId!: string;

  /** Per request, from 1, +1 for every recorded event. */
  @ApiProperty({ type: 'integer', minimum: 1, description: 'per request, from 1, +1 for every recorded event' })
  seq!: number;

  /** When the event was recorded, `Date.prototype.toISOString()`. */
  @ApiProperty({ format: 'date-time', description: 'when the event was recorded (UTC, ends in Z)' })
  ts!: string;
}

/**
 * How OpenAPI shows a recorded message: the envelope and `type`; the other
 * fields depend on the type (docs/protocol.md §1 table, `RecordedFieldsByType`).
 */
export class RecordedMessageEnvelope extends RecordedEnvelope implements wire.RecordedMessageEnvelope {
  @ApiProperty({ enum: RECORDED_TYPE_NAMES, description: 'also the Socket.IO event name; the other fields are those of docs/protocol.md §1 for this type' })
  type!: RecordedType;
}

const AGENT = { description: 'the agent that reported it' };
const ANY_JSON = { description: 'any JSON value' };

export class ProgressFields implements wire.ProgressFields {
  @ApiProperty(AGENT)
  agent!: string;

  @ApiPropertyOptional({ description: "the step's order (`data.stepOrder`, else `data.step`)" })
  step?: number;

  @ApiProperty({ enum: STEP_STATUSES })
  status!: StepStatus;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "the agent's data, unchanged" })
  data!: Record<string, unknown>;
}
export class AgentCompletedFields implements wire.AgentCompletedFields {
  @ApiProperty(AGENT)
  agent!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  data!: Record<string, unknown>;
}
export class QuestionFields implements wire.QuestionFields {
  @ApiProperty(AGENT)
  agent!: string;

  @ApiProperty()
  questionId!: string;

  @ApiProperty()
  prompt!: string;

  @ApiPropertyOptional({ type: [String] })
  options?: string[];
}
export class AgentErrorFields implements wire.AgentErrorFields {
  @ApiProperty(AGENT)
  agent!: string;

  @ApiProperty()
  message!: string;

  @ApiPropertyOptional()
  step?: number;
}
export class RequestCompletedFields implements wire.RequestCompletedFields {
  @ApiProperty({ enum: ['completed', 'failed', 'cancelled'] })
  status!: FinalStatus;

  @ApiPropertyOptional(ANY_JSON)
  result?: unknown;

  @ApiPropertyOptional(ANY_JSON)
  error?: unknown;
}
export class StatusFields implements wire.StatusFields {
  @ApiProperty({ enum: REQUEST_STATUSES, description: "the request's new status" })
  status!: RequestStatus;

  @ApiPropertyOptional()
  reason?: string;

  /** Set when the change is a question being answered. */
  @ApiPropertyOptional({ description: 'set when the change is a question being answered' })
  questionId?: string;

  /** Set on a request's first event (`queued`): the user who started it. */
  @ApiPropertyOptional({ description: "set on a request's first event (`queued`): the user who started it" })
  owner?: string;
}

export class OutputFields implements wire.OutputFields {
  @ApiProperty(AGENT)
  agent!: string;

  @ApiProperty({ description: "the step's order (`data.stepOrder`, else `data.step`)" })
  step!: number;

  @ApiProperty({ description: "a piece of the step's output text; the output is the concatenation of the deltas in seq order" })
  delta!: string;
}

/** Each recorded type's own fields, as classes: what OpenAPI composes the message schemas from. */
export const RECORDED_FIELD_MODELS = {
  progress: ProgressFields,
  'agent.completed': AgentCompletedFields,
  question: QuestionFields,
  error: AgentErrorFields,
  'request.completed': RequestCompletedFields,
  status: StatusFields,
  output: OutputFields,
} as const;

/** Every model a recorded-message schema refers to (for `@ApiExtraModels`). */
export const RECORDED_MESSAGE_MODELS = [RecordedMessageEnvelope, ...Object.values(RECORDED_FIELD_MODELS)];

/** OpenAPI schema of one recorded message: one of the types, each the envelope plus that type's fields. */
export const RECORDED_MESSAGE_SCHEMA = {
  oneOf: RECORDED_TYPE_NAMES.map((type) => ({
    allOf: [
      { $ref: getSchemaPath(RecordedMessageEnvelope) },
      { $ref: getSchemaPath(RECORDED_FIELD_MODELS[type]) },
      { type: 'object', properties: { type: { type: 'string', enum: [type] } } },
    ],
  })),
  discriminator: { propertyName: 'type' },
};

export class AgentSummary implements wire.AgentSummary {
  @ApiProperty()
  agent!: string;

  @ApiProperty({ enum: STEP_STATUSES })
  status!: StepStatus;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: "the agent's last data" })
  data?: Record<string, unknown>;
}
export class StepSummary implements wire.StepSummary {
  @ApiProperty()
  agent!: string;

  @ApiProperty()
  step!: number;

  @ApiPropertyOptional()
  stepId?: string;

  @ApiPropertyOptional({ description: "What the agent says the step is: `data.title` of its progress, else the title its agent's plan gives it (`agent.completed` `data.plan`)" })
  title?: string;

  @ApiProperty({ enum: STEP_STATUSES })
  status!: StepStatus;

  @ApiPropertyOptional({ description: 'any JSON value' })
  tool?: unknown;

  @ApiPropertyOptional({ description: 'any JSON value' })
  result?: unknown;

  @ApiPropertyOptional({ description: 'any JSON value' })
  error?: unknown;

  /** The step's output deltas so far, concatenated in seq order (at most OUTPUT_MAX_BYTES of UTF-8). */
  @ApiPropertyOptional({ description: "the step's output deltas so far, concatenated in seq order (at most OUTPUT_MAX_BYTES of UTF-8)" })
  output?: string;

  /** The output passed the limit: `output` holds its longest prefix of whole characters within it. */
  @ApiPropertyOptional({ enum: [true], description: '`output` passed OUTPUT_MAX_BYTES and holds its first part; the whole text is in the event log' })
  outputTruncated?: true;
}
/** A question an agent waits on: the `question` message's fields. */
export class PendingQuestion extends QuestionFields implements wire.PendingQuestion {}

/** The `state` message. */
export class StateMessage implements wire.StateMessage {
  @ApiProperty({ enum: ['state'] })
  type!: 'state';

  @ApiProperty()
  requestId!: string;

  /** Last event reflected in this snapshot (0: none yet). */
  @ApiProperty({ type: 'integer', minimum: 0, description: 'last event reflected in this snapshot (0: none yet)' })
  seq!: number;

  @ApiProperty({ enum: REQUEST_STATUSES })
  status!: RequestStatus;

  @ApiPropertyOptional()
  userQuery?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  createdAt?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  updatedAt?: string;

  @ApiProperty({ type: [AgentSummary] })
  agents!: AgentSummary[];

  @ApiProperty({ type: [StepSummary] })
  steps!: StepSummary[];

  @ApiProperty({ type: [PendingQuestion] })
  pendingQuestions!: PendingQuestion[];

  @ApiPropertyOptional({ description: 'any JSON value: the run\'s result' })
  result?: unknown;

  @ApiPropertyOptional({ description: 'any JSON value: why the run failed' })
  error?: unknown;

  /** Present exactly when `rejoin` gave a `lastSeq`: the messages with seq > lastSeq. */
  @ApiPropertyOptional({ type: 'array', items: RECORDED_MESSAGE_SCHEMA, description: "only after a socket's rejoin with lastSeq" })
  events?: RecordedMessage[];

  /** More than the replay limit were missed: `events` holds the last ones only. */
  @ApiPropertyOptional({ enum: [true] })
  truncated?: true;

  /** Values left out so that the snapshot stays within its bound (4 × SLOW_CLIENT_MAX_BYTES) (paths into the full snapshot); the event log keeps them. */
  @ApiPropertyOptional({ type: [String], description: 'values left out so that the snapshot stays within its bound (paths into the full snapshot, e.g. `steps[3].result`)' })
  omitted?: string[];
}
