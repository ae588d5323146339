import { QuestionTimeoutError } from './run-errors';

interface Pending {
  resolve(answer: string): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/** The questions a run waits on, by questionId: answered by feedback, failed by timeout or abort. */
export class PendingQuestions {
  private readonly pending = new Map<string, Pending>();

  constructor(signal: AbortSignal) {
    signal.addEventListener('abort', () => this.rejectAll(signal.reason), { once: true });
  }

  /** Registered before the question is published, so an instant answer is never missed. */
  wait(questionId: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(questionId);
        reject(new QuestionTimeoutError(questionId, timeoutMs));
      }, timeoutMs);
      this.pending.set(questionId, { resolve, reject, timer });
    });
  }

  /** False when nobody waits on that id (never asked, answered, or timed out). */
  answer(questionId: string, answer: string): boolean {
    const entry = this.take(questionId);
    entry?.resolve(answer);
    return entry !== undefined;
  }

  fail(questionId: string, error: unknown): void {
    this.take(questionId)?.reject(error);
  }

  rejectAll(error: unknown): void {
    for (const id of [...this.pending.keys()]) this.fail(id, error);
  }

  /**
   * Forgets every question without settling it: a workflow that ended while
   * an unawaited ask() was pending must not get an unhandled rejection.
   */
  clear(): void {
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
  }

  private take(questionId: string): Pending | undefined {
    const entry = this.pending.get(questionId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.pending.delete(questionId);
    return entry;
  }
}
