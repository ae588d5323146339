import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WORKFLOW_PATTERN, type StepStatus } from '@app/contracts';

/**
 * What an agent author implements: a class per workflow, any number per
 * worker. The promise's value becomes `request.completed.result`; a throw
 * ends the request `failed` (or `cancelled` when the run's signal was
 * aborted). The kit publishes `request.completed` itself, exactly once.
 */
export interface AgentWorkflow {
  /** Reported as `agent` on kit-made events when no agent has published yet. Default: the workflow's name, else `workflow`. */
  readonly name?: string;
  run(run: AgentRun): Promise<unknown>;
}

export interface AgentWorkflowOptions {
  /**
   * Also take the starts that name no workflow (`request.start`): what agents
   * written before workflows existed served. At most one per worker, and the
   * same one on every worker.
   */
  default?: boolean;
}

/** What `@AgentWorkflow` stores on a class; read by the worker through Nest's discovery. */
export interface AgentWorkflowMetadata extends AgentWorkflowOptions {
  name: string;
}

export const AgentWorkflowMeta = DiscoveryService.createDecorator<AgentWorkflowMetadata>();

/**
 * Declares a workflow: the worker runs this provider for every `start` that
 * names `name` (routing key `request.start.<name>`, durable queue
 * `agents.request.start.<name>`, bound when the worker starts). Register the
 * class as a provider of any module of the worker's app.
 */
export function AgentWorkflow(name: string, options: AgentWorkflowOptions = {}): ClassDecorator {
  if (!WORKFLOW_PATTERN.test(name)) throw new TypeError(`@AgentWorkflow('${name}'): the name must match ${WORKFLOW_PATTERN}`);
  return (target) => {
    Injectable()(target);
    AgentWorkflowMeta({ name, ...options })(target);
  };
}

/** A command the gateway forwarded to the run (`request.<name>`): its body as sent, with `requestId`. */
export type RunCommandHandler = (body: { requestId: string } & Record<string, unknown>) => void | Promise<void>;

/** One `request.start`, as the workflow sees it. */
export interface AgentRun {
  readonly requestId: string;
  readonly userQuery: string;
  readonly context: Record<string, unknown>;
  /** The user id that started the request. */
  readonly owner: string;
  /** The workflow the `start` named; undefined for the default one. */
  readonly workflow?: string;
  /** Aborted on `request.cancel` (reason: RunCancelledError) or worker shutdown (WorkerShutdownError). */
  readonly signal: AbortSignal;
  /** Reporter for one agent; `name` becomes the events' `agent` (1..64 of `A-Za-z0-9._-`). */
  agent(name: string): AgentReporter;
  /**
   * Handles the extension command `name` sent to this request (a gateway
   * `@StreamCommand` handler forwarded it with `AgentCommandForwarder`).
   * Only the worker running the request gets it; one sent while no handler is
   * registered is dropped. A handler that throws is logged; the run goes on.
   * Returns a function that removes the handler.
   */
  onCommand(name: string, handler: RunCommandHandler): () => void;
}

/** Progress data: `status` is required; `stepOrder` (or `step`) says which step it is about. */
export interface ProgressData extends Record<string, unknown> {
  status: StepStatus;
  stepOrder?: number;
  step?: number;
}

export interface ProgressOptions {
  /** Full event type, ending in `.progress`. Default: see `AgentReporter.progress`. */
  type?: string;
}

export interface StreamOptions {
  /** More data for the step's `running`, `completed` (and `failed`) progress reports (a title, the model's name). */
  data?: Record<string, unknown>;
}

export interface AskOptions {
  options?: string[];
  /** Default 5 minutes: a run waiting forever would hold a worker slot forever. */
  timeoutMs?: number;
}

/**
 * Publishes one agent's events. Every call resolves once the broker confirmed
 * the event, and rejects after the run's signal aborted (so a workflow that
 * forgets to check the signal still stops at its next report).
 */
export interface AgentReporter {
  readonly name: string;
  /**
   * Type `<prefix>.step.progress` when `stepOrder`/`step` is given, else
   * `<prefix>.progress`, where prefix is the name without a trailing `-agent`
   * (`executor-agent` → `executor.step.progress`, the guide's name).
   */
  progress(data: ProgressData, options?: ProgressOptions): Promise<void>;
  /** `agent.completed`. */
  completed(data?: Record<string, unknown>): Promise<void>;
  /** `agent.error`; the kit then does not publish another error when the workflow throws. */
  error(message: string, step?: number): Promise<void>;
  /**
   * Publishes `agent.question` and resolves with the `request.feedback`
   * answer. Rejects with QuestionTimeoutError after `timeoutMs`, or with the
   * signal's reason on cancel.
   */
  ask(prompt: string, options?: AskOptions): Promise<string>;
  /**
   * Appends `delta` to step `step`'s output (`<prefix>.step.output` events,
   * docs/protocol.md §2). Deltas are gathered into one event per window (see
   * `AgentKitOptions.output`); resolves once the delta is buffered, or, when
   * the buffer is full, once the broker took it. Output goes out before any
   * later report of this agent, and before the request ends.
   */
  output(step: number, delta: string): Promise<void>;
  /**
   * Streams `source` (an LLM client's token stream) as step `step`'s output:
   * reports the step `running`, appends every piece, flushes, reports it
   * `completed` and resolves with the whole text. A cancel stops it at once
   * (the source is told to return); a source that throws reports the step
   * `failed` and rethrows. The source is pulled no faster than the broker
   * takes the output.
   */
  stream(step: number, source: AsyncIterable<string>, options?: StreamOptions): Promise<string>;
}
