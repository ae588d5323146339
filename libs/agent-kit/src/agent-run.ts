import { AgentEventTypes, EXTENSION_COMMAND_PATTERN, isForwardableCommandName, jsonByteLength, type FinalStatus, type StartRequestCommand } from '@app/contracts';
import { AgentEventSink } from './agent-event-sink';
import type { AgentReporter, AgentRun, AgentWorkflow, RunCommandHandler } from './agent-workflow';
import type { OutputCoalescing } from './output-coalescer';
import { PendingQuestions } from './pending-questions';
import { RunCancelledError, WorkerShutdownError } from './run-errors';
import { RunReporter, type RunEventPort } from './run-reporter';

/** How a run ended. `interrupted`: no `request.completed` went out; the start must be redelivered. */
export type RunOutcome = FinalStatus | 'interrupted';

export interface AgentRunOptions {
  /** `agent` of kit-made events before any agent published. */
  workflowName?: string;
  /** How long an aborted workflow may take to wind down before the kit ends the run without it. */
  abortGraceMs?: number;
  /** How output deltas are gathered into events. */
  output?: OutputCoalescing;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

const DEFAULT_ABORT_GRACE_MS = 300;

/**
 * One run of a workflow for one `request.start`. Numbers events per agent
 * (`<requestId>:<agent>:<n>`, so a re-run after a crash repeats the same ids
 * and the gateway drops the repeats), publishes them in call order, and ends
 * the request exactly once.
 */
export class AgentRunSession implements AgentRun, RunEventPort {
  readonly requestId: string;
  readonly userQuery: string;
  readonly context: Record<string, unknown>;
  readonly owner: string;
  readonly workflow?: string;
  readonly signal: AbortSignal;

  private readonly commandHandlers = new Map<string, Set<RunCommandHandler>>();
  private readonly controller = new AbortController();
  private readonly questions: PendingQuestions;
  private readonly counters = new Map<string, number>();
  private readonly reporters = new Map<string, RunReporter>();
  private lastAgent: string | undefined;
  private errorReported = false;
  private publishError: unknown;
  private sending: Promise<unknown> = Promise.resolve();
  private closed = false;
  private executed = false;

  constructor(
    command: StartRequestCommand,
    private readonly sink: AgentEventSink,
    private readonly options: AgentRunOptions = {},
  ) {
    ({ requestId: this.requestId, userQuery: this.userQuery, context: this.context, owner: this.owner, workflow: this.workflow } = command);
    this.signal = this.controller.signal;
    this.questions = new PendingQuestions(this.signal);
  }

  agent(name: string): AgentReporter {
    let reporter = this.reporters.get(name);
    if (!reporter) {
      reporter = new RunReporter(name, this, this.options.output);
      this.reporters.set(name, reporter);
    }
    return reporter;
  }

  onCommand(name: string, handler: RunCommandHandler): () => void {
    if (!isForwardableCommandName(name)) {
      throw new TypeError(`onCommand('${name}'): the name must match ${EXTENSION_COMMAND_PATTERN} and not be start, cancel or feedback`);
    }
    let handlers = this.commandHandlers.get(name);
    if (!handlers) this.commandHandlers.set(name, (handlers = new Set()));
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /**
   * A forwarded command: runs its handlers one after the other. Resolves to
   * the number of handlers that ran (0: none registered, or the run has
   * ended); rejects with the first handler's error.
   */
  async deliverCommand(name: string, body: { requestId: string } & Record<string, unknown>): Promise<number> {
    const handlers = this.closed ? [] : [...(this.commandHandlers.get(name) ?? [])];
    for (const handler of handlers) await handler(body);
    return handlers.length;
  }

  /** `request.cancel`: the run ends `cancelled` (also when it has not executed yet). */
  cancel(): void {
    if (!this.signal.aborted) this.controller.abort(new RunCancelledError(this.requestId));
  }

  /** Worker shutdown: the run ends without `request.completed`, to be redone elsewhere. */
  interrupt(): void {
    if (!this.signal.aborted) this.controller.abort(new WorkerShutdownError(this.requestId));
  }

  /** `request.feedback`: false when no ask() waits on that question. */
  answer(questionId: string, answer: string): boolean {
    return this.questions.answer(questionId, answer);
  }

  async execute(workflow: AgentWorkflow): Promise<RunOutcome> {
    if (this.executed) throw new Error(`run ${this.requestId} already executed`);
    this.executed = true;
    const settled = this.signal.aborted ? undefined : await this.settle(workflow);
    return this.end(settled);
  }

  // ---- RunEventPort: used by the reporters ----

  publish(agent: string, type: string, data: Record<string, unknown>, idSuffix?: string): Promise<void> {
    if (this.closed || this.signal.aborted) return Promise.reject(this.signal.reason ?? new Error(`run ${this.requestId} has ended`));
    return this.send(agent, type, data, idSuffix);
  }

  ask(agent: string, prompt: string, options: string[] | undefined, timeoutMs: number): Promise<string> {
    // The id the question event is about to get: deterministic, so a re-run asks the same question.
    const questionId = `${agent}:q${(this.counters.get(agent) ?? 0) + 1}`;
    const answer = this.questions.wait(questionId, timeoutMs);
    const sent = this.publish(agent, AgentEventTypes.question, { questionId, prompt, ...(options ? { options } : {}) }).catch((error) => {
      this.questions.fail(questionId, error);
      throw error;
    });
    // Both get a handler at once: a timeout while the publish is pending is never an unhandled rejection.
    return Promise.all([sent, answer]).then(([, value]) => value);
  }

  noteErrorReported(): void {
    this.errorReported = true;
  }

  // ---- ending ----

  /** The workflow's result, or undefined when it did not wind down within the grace after an abort. */
  private async settle(workflow: AgentWorkflow): Promise<Settled | undefined> {
    const work = Promise.resolve()
      .then(() => workflow.run(this))
      .then(
        (value): Settled => ({ ok: true, value }),
        (error): Settled => ({ ok: false, error }),
      );
    let timer: NodeJS.Timeout | undefined;
    let onAbort: () => void = () => undefined;
    const givenUp = new Promise<undefined>((resolve) => {
      onAbort = () => {
        timer = setTimeout(resolve, this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS, undefined);
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, givenUp]);
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private async end(settled: Settled | undefined): Promise<RunOutcome> {
    await this.endOutputs();
    this.closed = true;
    this.commandHandlers.clear();
    this.questions.clear();
    await this.sending;
    if (this.publishError !== undefined) return 'interrupted';
    try {
      if (settled?.ok) {
        const problem = settled.value === undefined ? undefined : unpublishable({ result: settled.value });
        if (!problem) {
          await this.finish({ status: 'completed', ...(settled.value === undefined ? {} : { result: settled.value }) });
          return 'completed';
        }
        // Requeueing would only fail again: an unsendable result fails the request.
        settled = { ok: false, error: new Error(`the workflow's result ${problem}`) };
      } else if (this.signal.reason instanceof WorkerShutdownError) {
        return 'interrupted';
      } else if (this.signal.aborted) {
        await this.finish({ status: 'cancelled' });
        return 'cancelled';
      }
      const message = errorMessage(settled?.error);
      if (!this.errorReported) await this.send(this.currentAgent(), AgentEventTypes.error, { message });
      await this.finish({ status: 'failed', error: message });
      return 'failed';
    } catch {
      // The broker did not take the ending: redo the run (its events repeat with the same ids).
      return 'interrupted';
    }
  }

  /** Buffered output goes out before the request ends; after a cancel or shutdown it is dropped, unsent. */
  private async endOutputs(): Promise<void> {
    for (const reporter of this.reporters.values()) {
      if (this.signal.aborted) reporter.discardOutputs();
      // A failed publish is remembered by send() and ends the run interrupted; a failed flush adds nothing to it.
      else await reporter.flushOutputs().catch(() => undefined);
    }
  }

  private finish(data: Record<string, unknown>): Promise<void> {
    return this.send(this.currentAgent(), AgentEventTypes.requestCompleted, data);
  }

  private currentAgent(): string {
    return this.lastAgent ?? this.options.workflowName ?? 'workflow';
  }

  /**
   * Numbers the event now (call order) and sends it after the previous one: per-run order on the broker.
   * With `idSuffix` the event's id is `<requestId>:<agent>:<idSuffix>` and takes no number.
   */
  private send(agent: string, type: string, data: Record<string, unknown>, idSuffix?: string): Promise<void> {
    if (this.publishError !== undefined) return Promise.reject(this.publishError);
    // An author's mistake, refused at the call: as a broker failure it would requeue the run forever.
    const problem = unpublishable(data);
    if (problem) return Promise.reject(new TypeError(`${type} data ${problem}`));
    let id = idSuffix;
    if (id === undefined) {
      const n = (this.counters.get(agent) ?? 0) + 1;
      this.counters.set(agent, n);
      id = String(n);
    }
    this.lastAgent = agent;
    const event = { type, requestId: this.requestId, agent, eventId: `${this.requestId}:${agent}:${id}`, data };
    const sent = this.sending.then(() => {
      // After one failed publish nothing more goes out: a later event must not overtake a lost one.
      if (this.publishError !== undefined) throw this.publishError;
      return this.sink.publish(event);
    });
    this.sending = sent.catch((error: unknown) => {
      this.publishError ??= error;
    });
    return sent;
  }
}

/**
 * Events are JSON, and bounded: the gateway stores each in Postgres and
 * sends it over Socket.IO, where frames past 1 MiB may be refused.
 */
const MAX_EVENT_BYTES = 1024 * 1024;

function unpublishable(data: Record<string, unknown>): string | undefined {
  let bytes: number;
  try {
    bytes = jsonByteLength(data);
  } catch (error) {
    return `is not JSON-serialisable (${(error as Error).message})`;
  }
  return bytes > MAX_EVENT_BYTES ? `takes ${bytes} bytes as JSON, more than ${MAX_EVENT_BYTES}` : undefined;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  return 'the workflow failed';
}
