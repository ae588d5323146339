import { AgentEventTypes, STEP_STATUSES } from '@app/contracts';
import type { AgentReporter, AskOptions, ProgressData, ProgressOptions } from './agent-workflow';

/** What a reporter needs from its run: ordered, numbered publishing and question book-keeping. */
export interface RunEventPort {
  publish(agent: string, type: string, data: Record<string, unknown>): Promise<void>;
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

  constructor(
    readonly name: string,
    private readonly port: RunEventPort,
  ) {
    if (!AGENT_NAME.test(name)) throw new TypeError(`agent name '${name}' must match ${AGENT_NAME}`);
    this.typePrefix = name.replace(/-agent$/, '') || name;
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
    return this.port.publish(this.name, type, data);
  }

  async completed(data: Record<string, unknown> = {}): Promise<void> {
    return this.port.publish(this.name, AgentEventTypes.completed, data);
  }

  async error(message: string, step?: number): Promise<void> {
    if (typeof message !== 'string' || message.length === 0) throw new TypeError('error message must be a non-empty string');
    if (!isOptionalNumber(step)) throw new TypeError('error step must be a number when given');
    this.port.noteErrorReported();
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
    return this.port.ask(this.name, prompt, choices, timeoutMs);
  }

  private defaultProgressType(data: ProgressData): string {
    const aboutStep = data.stepOrder !== undefined || data.step !== undefined;
    return `${this.typePrefix}${aboutStep ? '.step' : ''}${AgentEventTypes.progressSuffix}`;
  }
}
