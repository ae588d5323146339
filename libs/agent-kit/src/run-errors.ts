/** `ask()` got no answer in time; unless caught, the run ends `failed` with this message. */
export class QuestionTimeoutError extends Error {
  override name = 'QuestionTimeoutError';
  constructor(
    readonly questionId: string,
    readonly timeoutMs: number,
  ) {
    super(`question ${questionId} got no answer within ${timeoutMs} ms`);
  }
}

/** The signal's reason when the request was cancelled. Named like DOM aborts so generic code recognises it. */
export class RunCancelledError extends Error {
  override name = 'AbortError';
  constructor(readonly requestId: string) {
    super(`request ${requestId} was cancelled`);
  }
}

/** The signal's reason when the worker stops before the run ended; the start goes back to the queue. */
export class WorkerShutdownError extends Error {
  override name = 'AbortError';
  constructor(readonly requestId: string) {
    super(`worker shut down before request ${requestId} ended`);
  }
}
