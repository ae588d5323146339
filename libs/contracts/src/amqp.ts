import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ANSWER_MAX_CHARS, USER_QUERY_MAX_CHARS } from './client-commands';
import { MAX_ID_CHARS, REQUEST_ID_MESSAGE, REQUEST_ID_PATTERN, WORKFLOW_MESSAGE, WORKFLOW_PATTERN } from './request-status';
import type { RecordedMessage } from './server-messages';
import { NoNulCharacters } from './validation';

/** Names on the broker (docs/protocol.md §2). Part of the contract: agents of other teams rely on them. */
export const Exchanges = {
  /** What agents report (topic, routing key = body type). */
  agentEvents: 'agent.events',
  /** What the gateway asks of agents (topic). */
  agentCommands: 'agent.commands',
  /**
   * The fan-out before buckets (fanout: every recorded event to every instance). No longer
   * published to; kept here because it is the name that is taken (an exchange cannot change type).
   */
  recorded: 'websocket.recorded',
  /**
   * Recorded events, to the instances that watch them (direct, routing key = the request id's
   * bucket, see fanoutBucketOf; each instance binds its exclusive queue to the buckets it watches).
   */
  recordedByBucket: 'websocket.recorded.buckets',
  /** `agent.events` spread over the ingest shard queues (x-consistent-hash on `x-request-id`), when INGEST_SHARDS > 1. */
  ingestShards: 'websocket.progress.shards',
  /** Where unusable agent events go (direct). */
  deadLetter: 'websocket.progress.dlx',
  /**
   * Recorded events for `@OnRequestEvent` hooks (topic, routing key = the
   * recorded type, persistent, one `RequestEventEnvelope` per message). Each
   * hook binds a durable queue of its own; nothing else reads it.
   */
  requestEvents: 'agent-stream.request-events',
  /**
   * Agent worker heartbeats (fanout, not persistent, one `AgentWorkerHeartbeat`
   * per message): every gateway instance binds a queue of its own and keeps
   * the workers it heard from lately (`GET /admin/instances`).
   */
  agentWorkers: 'agent-stream.agent-workers',
} as const;

export const Queues = {
  /** The ingest queue: single active consumer, dead-lettered. */
  ingest: 'websocket.progress',
  /** Ingest shard `i` of INGEST_SHARDS (above 1): `websocket.progress.shard.<i>`, single active consumer, dead-lettered. */
  ingestShardPrefix: 'websocket.progress.shard.',
  dead: 'websocket.progress.dead',
  /** `request.start`, shared by the agent workers (each start runs once). */
  agentStart: 'agents.request.start',
} as const;

export const CommandRoutingKeys = {
  start: 'request.start',
  cancel: 'request.cancel',
  feedback: 'request.feedback',
} as const;

/** The AMQP header agents set to the body's `requestId`: the ingest shards hash on it (docs/protocol.md §2). */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Buckets of the fan-out: enough that two requests rarely share one, few enough to bound each instance's bindings. */
export const FANOUT_BUCKETS = 4096;

/**
 * The fan-out routing key of a request: FNV-1a (32-bit) of its id's UTF-16
 * code units, modulo FANOUT_BUCKETS, in decimal. Publisher and consumers must
 * agree on it, so it lives here.
 */
export function fanoutBucketOf(requestId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    hash ^= requestId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return String((hash >>> 0) % FANOUT_BUCKETS);
}

/** `request.start` for the default workflow, `request.start.<workflow>` for a named one (docs/protocol.md §2). */
export function startRoutingKey(workflow?: string): string {
  return workflow === undefined ? CommandRoutingKeys.start : `${CommandRoutingKeys.start}.${workflow}`;
}

/**
 * The durable queue that holds one routing key's starts, shared by that
 * workflow's workers. Named from the routing key alone, so each start lands in
 * exactly one queue whichever workers declare it (a workflow that is also the
 * default consumes two).
 */
export function startQueue(workflow?: string): string {
  return workflow === undefined ? Queues.agentStart : `${Queues.agentStart}.${workflow}`;
}

/**
 * Names of commands added by extension modules (a socket event, and the word
 * after `request.` of the routing key they are forwarded to agents with): no
 * dot, so `request.<name>` never reads as a workflow's start.
 */
export const EXTENSION_COMMAND_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Routing key of a command forwarded to the agent that runs the request. */
export function agentCommandRoutingKey(name: string): string {
  return `request.${name}`;
}

/** A name an extension command may be forwarded to agents under: not start, cancel or feedback, which have paths of their own. */
export function isForwardableCommandName(name: string): boolean {
  return EXTENSION_COMMAND_PATTERN.test(name) && !(Object.values(CommandRoutingKeys) as string[]).includes(agentCommandRoutingKey(name));
}

/**
 * A durable marker queue the gateway declares when it accepts a cancel. A
 * worker looks for it before it runs a start: a request cancelled while its
 * start waited in the queue (no worker up, all busy) is ended at once, never
 * run — the broadcast `request.cancel` reached no worker then.
 */
export function cancelledMarkerQueue(requestId: string): string {
  return `agents.cancelled.${requestId}`;
}
/** How long a cancel marker outlives its last use: a start that waited longer than this is run after all. */
export const CANCELLED_MARKER_TTL_MS = 7 * 24 * 3600_000;

/** Header that says why a message was dead-lettered. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';

/** Body types agents publish to `agent.events` (progress: any type ending in `.progress`). */
export const AgentEventTypes = {
  progressSuffix: '.progress',
  /** Output text (`data.delta`, `data.stepOrder` or `data.step`): any type ending in `.output`. */
  outputSuffix: '.output',
  completed: 'agent.completed',
  question: 'agent.question',
  error: 'agent.error',
  requestCompleted: 'request.completed',
} as const;

/** The envelope of every body on `agent.events`; `data` is checked per type by `mapAgentEvent`. */
export class AgentEventBody {
  @IsString()
  @Length(1, MAX_ID_CHARS)
  type!: string;

  @IsString()
  @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;

  @IsString()
  @Length(1, MAX_ID_CHARS)
  @NoNulCharacters()
  agent!: string;

  @IsOptional()
  @IsString()
  @Length(1, MAX_ID_CHARS)
  @NoNulCharacters()
  eventId?: string;

  @IsObject()
  data!: Record<string, unknown>;
}

/** `request.start` on `agent.commands`. */
export class StartRequestCommand {
  @IsString() @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;

  @IsString() @Length(1, USER_QUERY_MAX_CHARS)
  userQuery!: string;

  @IsOptional() @IsObject()
  context!: Record<string, unknown>;

  @IsString() @Length(1, MAX_ID_CHARS)
  owner!: string;

  /** Present exactly when the `start` named a workflow. */
  @IsOptional() @IsString() @Matches(WORKFLOW_PATTERN, { message: WORKFLOW_MESSAGE })
  workflow?: string;
}

/** `request.cancel` on `agent.commands`: broadcast to every agent worker. */
export class CancelRequestCommand {
  @IsString() @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;
}

/** `request.feedback` on `agent.commands`: broadcast to every agent worker. */
export class FeedbackRequestCommand {
  @IsString() @Matches(REQUEST_ID_PATTERN, { message: REQUEST_ID_MESSAGE })
  requestId!: string;

  @IsString() @Length(1, MAX_ID_CHARS)
  questionId!: string;

  @IsString() @MaxLength(ANSWER_MAX_CHARS)
  answer!: string;
}

/** A message on `agent-stream.request-events`: a recorded message as sockets get it, and its request's owner. */
export interface RequestEventEnvelope {
  owner: string;
  message: RecordedMessage;
}

/** One workflow an agent worker serves, as its heartbeat names it. */
export class AgentWorkerWorkflow {
  /** Its `@AgentWorkflow` name; absent for an undecorated default workflow (`AgentKitModule.forRoot({ workflow })`). */
  @IsOptional() @IsString() @Matches(WORKFLOW_PATTERN, { message: WORKFLOW_MESSAGE })
  name?: string;

  /** It also takes `request.start` (starts that name no workflow). */
  @IsBoolean()
  default!: boolean;
}

export const AGENT_WORKER_STATES = ['serving', 'draining', 'stopped'] as const;
export type AgentWorkerState = (typeof AGENT_WORKER_STATES)[number];
/** How many heartbeats a gateway may miss before it forgets a worker. */
export const AGENT_WORKER_MISSED_HEARTBEATS = 3;
/** A worker may serve at most this many workflows in one heartbeat (a bound for the gateway, not a product limit in practice). */
export const AGENT_WORKER_MAX_WORKFLOWS = 200;
/** Bounds of a heartbeat's `intervalMs`. */
export const AGENT_WORKER_INTERVAL_MIN_MS = 100;
export const AGENT_WORKER_INTERVAL_MAX_MS = 3_600_000;

/**
 * What an agent worker publishes to `agent-stream.agent-workers` every
 * `intervalMs` (and once more, `stopped`, when it shuts down). A gateway
 * forgets a worker it has not heard from for AGENT_WORKER_MISSED_HEARTBEATS
 * intervals, or at once on `stopped`.
 */
export class AgentWorkerHeartbeat {
  /** Random per process start. */
  @IsString() @Length(1, MAX_ID_CHARS) @NoNulCharacters()
  workerId!: string;

  @IsString() @Length(1, MAX_ID_CHARS) @NoNulCharacters()
  host!: string;

  @IsInt() @Min(0)
  pid!: number;

  /** `serving`; `draining` while it shuts down (takes no more starts, finishes its runs); `stopped` last. */
  @IsIn(AGENT_WORKER_STATES)
  state!: AgentWorkerState;

  @IsArray() @ArrayMaxSize(AGENT_WORKER_MAX_WORKFLOWS) @ValidateNested({ each: true }) @Type(() => AgentWorkerWorkflow)
  workflows!: AgentWorkerWorkflow[];

  @IsInt() @Min(0)
  runsInProgress!: number;

  @IsISO8601({ strict: true })
  startedAt!: string;

  /** Until the next heartbeat (ms). */
  @IsInt() @Min(AGENT_WORKER_INTERVAL_MIN_MS) @Max(AGENT_WORKER_INTERVAL_MAX_MS)
  intervalMs!: number;
}
