import {
  assumeOutputBytes,
  foldWithin,
  outputBytesOf,
  type AgentSummary,
  type FoldLimits,
  type PendingQuestion,
  type RecordedMessage,
  type RequestProjection,
  type RequestStatus,
  type StepSummary,
} from '@app/contracts';

/** A stored agent, step or question summary and its place in the fold's order. */
export interface StoredSummary<T> {
  summary: T;
  position: number;
}
export interface StoredQuestion extends StoredSummary<PendingQuestion> {
  pending: boolean;
}
/** A step's row: its summary never holds the output text, only how many bytes of it the chunks hold. */
export interface StoredStep extends StoredSummary<StepSummary> {
  outputBytes: number;
}
/** Output text a batch appends to one step: one chunk row, after the step's earlier ones. */
export interface OutputChunk {
  agent: string;
  step: number;
  /** The seq of the chunk's first delta: orders a step's chunks. */
  seq: number;
  text: string;
}

/** What a slice loads: the rows a batch touches, and the request's pending questions. */
export interface SliceRows {
  agents: Array<StoredSummary<AgentSummary>>;
  steps: StoredStep[];
  questions: StoredQuestion[];
}

/** What a slice writes back: every row it holds (all of them touched), and the request's own fields. */
export interface SliceChanges extends SliceRows {
  /** The output the batch appended, per step: never the text before it. */
  outputs: OutputChunk[];
  status: RequestStatus;
  /** Undefined: unchanged. */
  result?: unknown;
  error?: unknown;
}

/**
 * The part of one request's projection that a batch of events touches: its
 * status, the agents and steps the events name, and its questions (pending
 * ones, and those the events name). Events are folded into it with the one
 * fold of the contracts (`applyEvent`), exactly as into a whole projection —
 * an event only ever reads and changes the entries it names — so the cost of
 * recording an event does not depend on how much the request already holds.
 */
export class ProjectionSlice {
  readonly projection: RequestProjection;
  private readonly agentPositions = new Map<AgentSummary, number>();
  private readonly stepPositions = new Map<StepSummary, number>();
  /** By question id: where it sits (the seq of its latest ask) and its last summary. */
  private readonly questions = new Map<string, StoredSummary<PendingQuestion>>();
  /** Steps this batch appended output to, with the seq of the first delta. */
  private readonly outputFrom = new Map<StepSummary, number>();
  private readonly fold: ReturnType<typeof foldWithin>;

  constructor(status: RequestStatus, rows: SliceRows, limits: FoldLimits) {
    this.fold = foldWithin(limits);
    const byPosition = <T extends { position: number }>(list: T[]) => [...list].sort((a, b) => a.position - b.position);
    const agents = byPosition(rows.agents);
    const steps = byPosition(rows.steps);
    const questions = byPosition(rows.questions);
    this.projection = {
      status,
      agents: agents.map((a) => a.summary),
      steps: steps.map((s) => s.summary),
      pendingQuestions: questions.filter((q) => q.pending).map((q) => q.summary),
      askedQuestionIds: questions.map((q) => q.summary.questionId),
    };
    agents.forEach((a) => this.agentPositions.set(a.summary, a.position));
    steps.forEach((s) => this.stepPositions.set(s.summary, s.position));
    // The summaries start without text: the fold appends only this batch's deltas, counting from the bytes held.
    steps.forEach((s) => assumeOutputBytes(s.summary, s.outputBytes));
    questions.forEach((q) => this.questions.set(q.summary.questionId, { summary: q.summary, position: q.position }));
  }

  apply(message: RecordedMessage): void {
    const p = this.projection;
    const agentsBefore = p.agents.length;
    const stepsBefore = p.steps.length;
    this.fold(p, message);
    // New entries take the seq that created them: reading rows by position gives the fold's order back.
    for (let i = agentsBefore; i < p.agents.length; i++) this.agentPositions.set(p.agents[i], message.seq);
    for (let i = stepsBefore; i < p.steps.length; i++) this.stepPositions.set(p.steps[i], message.seq);
    if (message.type === 'output') {
      const step = p.steps.find((s) => s.agent === message.agent && s.step === message.step)!;
      if (!this.outputFrom.has(step)) this.outputFrom.set(step, message.seq);
    }
    if (message.type === 'question') {
      const asked = p.pendingQuestions.find((q) => q.questionId === message.questionId);
      if (asked) this.questions.set(message.questionId, { summary: asked, position: message.seq });
    }
  }

  changes(): SliceChanges {
    const p = this.projection;
    const pending = new Set(p.pendingQuestions.map((q) => q.questionId));
    return {
      status: p.status,
      agents: p.agents.map((summary) => ({ summary, position: this.agentPositions.get(summary)! })),
      steps: p.steps.map((step) => {
        const { output: _appended, ...summary } = step;
        return { summary, position: this.stepPositions.get(step)!, outputBytes: outputBytesOf(step) };
      }),
      outputs: [...this.outputFrom].flatMap(([step, seq]) => (step.output ? [{ agent: step.agent, step: step.step, seq, text: step.output }] : [])),
      questions: [...this.questions.values()].map((q) => ({ ...q, pending: pending.has(q.summary.questionId) })),
      ...(p.result === undefined ? {} : { result: p.result }),
      ...(p.error === undefined ? {} : { error: p.error }),
    };
  }
}
