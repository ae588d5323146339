import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

/**
 * The admin API's operator views (docs/protocol.md §3, what the console at
 * `/console` reads): the cluster, this instance's health, the dead letters.
 */

export class GatewayInstanceView {
  @ApiProperty({ description: 'random per process start' })
  instanceId!: string;

  @ApiProperty({ description: 'true for the instance that answered this call' })
  self!: boolean;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ format: 'date-time', description: 'its last presence report (every PRESENCE_INTERVAL_MS)' })
  heartbeatAt!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'its `agent_stream_*` gauges as of that report, by metric name (`agent_stream_connected_sockets`, `agent_stream_watched_requests`, `agent_stream_ingest_shards_held` when it shards, …)',
  })
  gauges!: Record<string, number>;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'sockets on it watching a request (a socket watching two counts twice)' })
  watchingSockets!: number;
}

export class AgentWorkersView {
  @ApiProperty({ description: 'the queue the agent workers take starts from' })
  queue!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'agent workers consuming it now' })
  consumers!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'starts waiting for a worker' })
  ready!: number;
}

export class AgentWorkerWorkflowView {
  @ApiPropertyOptional({ description: 'its `@AgentWorkflow` name; absent for an undecorated default workflow' })
  name?: string;

  @ApiProperty({ description: 'it also takes starts that name no workflow (`request.start`)' })
  default!: boolean;
}

/** An agent worker as its heartbeats on `agent-stream.agent-workers` describe it (docs/protocol.md §2). */
export class AgentWorkerInstanceView {
  @ApiProperty({ description: 'random per process start' })
  workerId!: string;

  @ApiProperty()
  host!: string;

  @ApiProperty({ type: 'integer' })
  pid!: number;

  @ApiProperty({ enum: ['serving', 'draining'], description: 'draining: shutting down, takes no more starts, finishing its runs' })
  state!: 'serving' | 'draining';

  @ApiProperty({ type: [AgentWorkerWorkflowView], description: 'the workflows it takes starts for' })
  workflows!: AgentWorkerWorkflowView[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'runs it had in progress at its last heartbeat' })
  runsInProgress!: number;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ format: 'date-time', description: 'when this gateway last heard its heartbeat' })
  heartbeatAt!: string;

  @ApiProperty({ type: 'integer', description: 'the interval it announced (ms); it is forgotten after 3 missed heartbeats' })
  intervalMs!: number;
}

/** `GET /admin/instances`. */
export class AdminInstancesView {
  @ApiProperty({ type: [GatewayInstanceView], description: 'gateways heard from within PRESENCE_STALE_MS, oldest first' })
  items!: GatewayInstanceView[];

  @ApiProperty({ type: AgentWorkersView, nullable: true, description: 'null when the broker cannot say now' })
  agentWorkers!: AgentWorkersView | null;

  @ApiProperty({ type: [AgentWorkerInstanceView], description: 'agent workers this gateway heard a heartbeat from within their last 3 intervals, oldest first' })
  workers!: AgentWorkerInstanceView[];
}

export class DeadLetterReason {
  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty()
  reason!: string;

  @ApiProperty({ description: 'the routing key the agent published it with' })
  routingKey!: string;
}

export class HealthSample {
  @ApiProperty({ format: 'date-time', description: 'end of the interval' })
  at!: string;

  @ApiProperty({ description: 'events this instance recorded per second over the interval' })
  eventsRecordedPerSecond!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'p99 of delivery latency over the interval (ms, from the histogram buckets); null with no delivery' })
  deliveryLatencyP99Ms!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  deadLettered!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'webhook deliveries given up (`result="failed"`)' })
  webhooksFailed!: number;
}

export class WebhookTotals {
  @ApiProperty({ type: 'integer', minimum: 0 })
  ok!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  retry!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  failed!: number;
}

/** `GET /admin/health`: this instance's figures from its own metrics, with a short history for sparklines. */
export class AdminHealthSummary {
  @ApiProperty()
  instanceId!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ type: 'integer', description: 'seconds the headline figures cover (up to 60; less just after start)' })
  windowSeconds!: number;

  @ApiProperty()
  eventsRecordedPerSecond!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'ms; null with no delivery in the window' })
  deliveryLatencyP99Ms!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'dead-lettered by this instance since it started' })
  deadLetteredTotal!: number;

  @ApiProperty({ type: [DeadLetterReason], description: 'the last few, newest first' })
  recentDeadLetters!: DeadLetterReason[];

  @ApiProperty({ type: WebhookTotals, nullable: true, description: 'since start (`agent_stream_webhook_deliveries_total`); null when this gateway has no such metric' })
  webhooks!: WebhookTotals | null;

  @ApiProperty({ type: [HealthSample], description: 'oldest first, one per sampling interval, the last one up to now' })
  series!: HealthSample[];
}

export const DEAD_LETTER_PAGE_DEFAULT = 50;
export const DEAD_LETTER_PAGE_MAX = 200;
/** How far into the queue a discard or requeue looks for its id. */
export const DEAD_LETTER_SCAN_MAX = 500;
export const DEAD_LETTER_PREVIEW_BYTES = 2048;
const DEAD_LETTER_ID_PATTERN = /^[0-9a-f]{32}$/;

/** `GET /admin/dead-letters` query. */
export class AdminDeadLetterQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: DEAD_LETTER_PAGE_MAX, default: DEAD_LETTER_PAGE_DEFAULT, description: 'how many from the head of the queue' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(DEAD_LETTER_PAGE_MAX)
  limit: number = DEAD_LETTER_PAGE_DEFAULT;
}

/** Path of `/admin/dead-letters/:id/…`. */
export class AdminDeadLetterParams {
  @ApiProperty({ description: 'the id the list gave', pattern: DEAD_LETTER_ID_PATTERN.source })
  @IsString()
  @Matches(DEAD_LETTER_ID_PATTERN, { message: 'id must be a dead letter id from the list (32 hex digits)' })
  id!: string;
}

export class DeadLetterView {
  @ApiProperty({ description: 'a digest of the message (body, headers, properties): the same on every read; identical copies share it' })
  id!: string;

  @ApiProperty({ type: String, nullable: true, description: 'the `x-dead-letter-reason` header, or the broker\'s own `x-death` reason' })
  reason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'the routing key the agent published it with on `agent.events`' })
  routingKey!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  deadLetteredAt!: string | null;

  @ApiPropertyOptional({ description: "the body's `requestId`, when it is JSON with one" })
  requestId?: string;

  @ApiPropertyOptional({ description: "the body's `type`, when it is JSON with one" })
  type?: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  bytes!: number;

  @ApiProperty({ description: `the body's first ${DEAD_LETTER_PREVIEW_BYTES} bytes as text (invalid UTF-8 shown as U+FFFD)` })
  preview!: string;

  @ApiProperty()
  previewTruncated!: boolean;
}

/** `GET /admin/dead-letters`. */
export class AdminDeadLetterPage {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'messages in `websocket.progress.dead`' })
  total!: number;

  @ApiProperty({ type: [DeadLetterView], description: 'from the head of the queue (oldest first)' })
  items!: DeadLetterView[];
}

export class DeadLetterActionResult {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['discarded', 'requeued'] })
  action!: 'discarded' | 'requeued';

  @ApiProperty({ type: String, nullable: true, description: 'requeued: the routing key it was published with to `agent.events`' })
  routingKey!: string | null;
}
