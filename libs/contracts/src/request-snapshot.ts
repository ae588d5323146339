import type { RequestProjection, StateMessage } from './wire/server-messages';

/**
 * The projection a `state` snapshot stands for, so that a client can go on
 * folding live events into it with `applyEvent`, exactly as the server does.
 * A snapshot does not list answered questions: only pending ones count as
 * asked, which is all a client's fold needs. The result shares no object
 * with `state`, since `applyEvent` mutates what it is given.
 */
export function projectionFromState(state: StateMessage): RequestProjection {
  const { status, agents, steps, pendingQuestions, result, error } = structuredClone(state);
  return {
    status,
    agents,
    steps,
    pendingQuestions,
    askedQuestionIds: pendingQuestions.map((q) => q.questionId),
    ...(result === undefined ? {} : { result }),
    ...(error === undefined ? {} : { error }),
  };
}
