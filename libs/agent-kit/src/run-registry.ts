import type { CancelRequestCommand, FeedbackRequestCommand, StartRequestCommand } from '@app/contracts';
import type { AgentEventSink } from './agent-event-sink';
import { AgentRunSession, type AgentRunOptions, type RunOutcome } from './agent-run';
import type { AgentWorkflow } from './agent-workflow';
import { ExpiringSet } from './expiring-set';

/** What became of one start delivery. `interrupted` must be requeued; everything else acked. */
export type StartResult = RunOutcome | 'already-finished';

export interface RunRegistryOptions extends AgentRunOptions {
  /** How long cancels and finished ids are remembered (a cancel may overtake its start). Default 10 min. */
  memoryMs?: number;
  now?: () => number;
}

const TEN_MINUTES = 10 * 60_000;

/**
 * The runs one worker holds, by request id, and the commands addressed to
 * them. Broadcast cancels and answers reach every worker; only the holder acts.
 */
export class RunRegistry {
  private readonly runs = new Map<string, { session: AgentRunSession; done: Promise<RunOutcome> }>();
  private readonly cancelled: ExpiringSet;
  private readonly finished: ExpiringSet;

  constructor(
    private readonly sink: AgentEventSink,
    private readonly options: RunRegistryOptions = {},
  ) {
    this.cancelled = new ExpiringSet(options.memoryMs ?? TEN_MINUTES, undefined, options.now);
    this.finished = new ExpiringSet(options.memoryMs ?? TEN_MINUTES, undefined, options.now);
  }

  get active(): number {
    return this.runs.size;
  }

  /** Runs the request to its end with `workflow`; `agentName` stands for it on kit-made events before any agent reported. */
  start(command: StartRequestCommand, workflow: AgentWorkflow, agentName?: string): Promise<StartResult> {
    const held = this.runs.get(command.requestId);
    // A redelivery (our channel dropped and came back) of a run still going here: one run, both deliveries settle with it.
    if (held) return held.done;
    if (this.finished.has(command.requestId)) return Promise.resolve('already-finished');

    const session = new AgentRunSession(command, this.sink, { workflowName: workflow.name ?? agentName, ...this.options });
    if (this.cancelled.has(command.requestId)) session.cancel();
    const done = session.execute(workflow).then(
      (outcome) => {
        if (outcome !== 'interrupted') this.finished.add(command.requestId);
        this.forget(command.requestId);
        return outcome;
      },
      (error: unknown) => {
        this.forget(command.requestId);
        throw error;
      },
    );
    this.runs.set(command.requestId, { session, done });
    return done;
  }

  /** True when this worker held the run. Remembered either way, for a start that comes later. */
  cancel({ requestId }: CancelRequestCommand): boolean {
    this.cancelled.add(requestId);
    const held = this.runs.get(requestId);
    held?.session.cancel();
    return held !== undefined;
  }

  /** True when a run here was waiting on that question. */
  feedback({ requestId, questionId, answer }: FeedbackRequestCommand): boolean {
    return this.runs.get(requestId)?.session.answer(questionId, answer) ?? false;
  }

  /**
   * A forwarded extension command. Resolves to the number of the run's
   * handlers that took it (0 when this worker does not run the request).
   */
  command(requestId: string, name: string, body: { requestId: string } & Record<string, unknown>): Promise<number> {
    return this.runs.get(requestId)?.session.deliverCommand(name, body) ?? Promise.resolve(0);
  }

  /** True while this worker runs the request. */
  holds(requestId: string): boolean {
    return this.runs.has(requestId);
  }

  /** Aborts one run (another worker took it over); it ends `interrupted`, without `request.completed`. */
  interrupt(requestId: string): void {
    this.runs.get(requestId)?.session.interrupt();
  }

  /** Aborts every run; they end `interrupted` (their starts go back to the queue). */
  interruptAll(): void {
    for (const { session } of this.runs.values()) session.interrupt();
  }

  private forget(requestId: string): void {
    this.runs.delete(requestId);
  }
}
