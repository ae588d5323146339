import { AgentEventTypes, isWellFormedText, STEP_STATUSES } from '@app/contracts';
import type { AgentReporter, AskOptions, ProgressData, ProgressOptions, StreamOptions } from './agent-workflow';
import { OutputCoalescer, type OutputCoalescing } from './output-coalescer';

/** What a reporter needs from its run: ordered, numbered publishing and question book-keeping. */
export interface RunEventPort {
  /** The run's signal: a stream stops pulling its source when it aborts. */
  readonly signal: AbortSignal;
  /** `idSuffix`: the event's own id (after `<requestId>:<agent>:`) instead of the agent's next number. */
  publish(agent: string, type: string, data: Record<string, unknown>, idSuffix?: string): Promise<void>;
  ask(agent: string, prompt: string, options: string[] | undefined, timeoutMs: number): Promise<string>;
  noteErrorReported(): void;
}

const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DEFAULT_QUESTION_TIMEOUT_MS = 5 * 60_000;

function isOptionalNumber(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Author mistakes throw here, at the call, instead of becoming events the
 * gateway dead-letters later.
 */
export class RunReporter implements AgentReporter {
  private readonly typePrefix: string;
  /** Per step: its output deltas on their way to the broker. */
  private readonly outputs = new Map<number, OutputCoalescer>();

  constructor(
    readonly name: string,
    private readonly port: RunEventPort,
    private readonly coalescing: OutputCoalescing = {},
  ) {
    if (!AGENT_NAME.test(name)) throw new TypeError(`agent name '${name}' must match ${AGENT_NAME}`);
    this.typePrefix = name.replace(/-agent$/, '') || name;
  }

  async output(step: number, delta: string): Promise<void> {
    if (!(typeof step === 'number' && Number.isFinite(step))) throw new TypeError('output step must be a number');
    if (typeof delta !== 'string') throw new TypeError('output delta must be a string');
    if (!isWellFormedText(delta)) throw new TypeError('output delta must be well-formed Unicode (no lone surrogates)');
    if (this.port.signal.aborted) throw this.port.signal.reason;
    return this.outputOf(step).add(delta);
  }

  async stream(step: number, source: AsyncIterable<string>, options: StreamOptions = {}): Promise<string> {
    const signal = this.port.signal;
    await this.progress({ ...options.data, status: 'running', stepOrder: step });
    const iterator = source[Symbol.asyncIterator]();
    const pieces: string[] = [];
    let done = false;
    try {
      for (;;) {
        // Raced with the signal: a cancel stops the stream even while the source waits for its next token.
        const next = await untilAborted(iterator.next(), signal);
        if (next.done) break;
        pieces.push(next.value);
        // Awaited before the next pull: a slow broker slows the pulling, never grows a buffer.
        await this.output(step, next.value);
      }
      done = true;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      await this.flushOutputs();
      await this.progress({ ...options.data, status: 'failed', stepOrder: step, error: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      // A source left early (cancel, failure) is told so, without waiting on it.
      if (!done) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
    await this.progress({ ...options.data, status: 'completed', stepOrder: step });
    return pieces.join('');
  }

  /** Sends every step's buffered output; the run calls it before it ends. */
  async flushOutputs(): Promise<void> {
    for (const coalescer of this.outputs.values()) await coalescer.flush();
  }

  /** Drops buffered output: a cancelled run sends nothing more. */
  discardOutputs(): void {
    for (const coalescer of this.outputs.values()) coalescer.discard();
  }

  private outputOf(step: number): OutputCoalescer {
    let coalescer = this.outputs.get(step);
    if (!coalescer) {
      const type = `${this.typePrefix}.step${AgentEventTypes.outputSuffix}`;
      // Output events are numbered per step, apart from the agent's other events: how tokens fall into
      // windows differs between a run and its redo, and must not shift the ids of the reports after them.
      let sent = 0;
      coalescer = new OutputCoalescer((delta) => this.port.publish(this.name, type, { stepOrder: step, delta }, `step${step}:out${++sent}`), this.coalescing);
      this.outputs.set(step, coalescer);
    }
    return coalescer;
  }

  async progress(data: ProgressData, options: ProgressOptions = {}): Promise<void> {
    if (!(STEP_STATUSES as readonly unknown[]).includes(data?.status)) {
      throw new TypeError(`progress data.status must be one of ${STEP_STATUSES.join(', ')}`);
    }
    if (!isOptionalNumber(data.stepOrder) || !isOptionalNumber(data.step)) {
      throw new TypeError('progress data.stepOrder and data.step must be numbers when given');
    }
    const type = options.type ?? this.defaultProgressType(data);
    if (!type.endsWith(AgentEventTypes.progressSuffix) || type.length > 200) {
      throw new TypeError(`progress type '${type}' must end in '${AgentEventTypes.progressSuffix}' (at most 200 chars)`);
    }
    // Output written before this report goes out before it: the log keeps the author's order.
    await this.flushOutputs();
    return this.port.publish(this.name, type, data);
  }

  async completed(data: Record<string, unknown> = {}): Promise<void> {
    await this.flushOutputs();
    return this.port.publish(this.name, AgentEventTypes.completed, data);
  }

  async error(message: string, step?: number): Promise<void> {
    if (typeof message !== 'string' || message.length === 0) throw new TypeError('error message must be a non-empty string');
    if (!isOptionalNumber(step)) throw new TypeError('error step must be a number when given');
    this.port.noteErrorReported();
    await this.flushOutputs();
    return this.port.publish(this.name, AgentEventTypes.error, step === undefined ? { message } : { message, step });
  }

  async ask(prompt: string, options: AskOptions = {}): Promise<string> {
    if (typeof prompt !== 'string' || prompt.length === 0) throw new TypeError('question prompt must be a non-empty string');
    const choices = options.options;
    if (choices !== undefined && !(Array.isArray(choices) && choices.every((c) => typeof c === 'string'))) {
      throw new TypeError('question options must be an array of strings');
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_QUESTION_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new TypeError('question timeoutMs must be a positive number');
    await this.flushOutputs();
    return this.port.ask(this.name, prompt, choices, timeoutMs);
  }

  private defaultProgressType(data: ProgressData): string {
    const aboutStep = data.stepOrder !== undefined || data.step !== undefined;
    return `${this.typePrefix}${aboutStep ? '.step' : ''}${AgentEventTypes.progressSuffix}`;
  }
}

/** `work`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
