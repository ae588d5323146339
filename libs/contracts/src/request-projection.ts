import { prefixWithinBytes, utf8Length } from './output-text';
import { isFinalStatus, type RequestStatus } from './request-status';
import type { AgentSummary, RecordedMessage, RequestProjection, StepSummary } from './wire/server-messages';

export function emptyProjection(status: RequestStatus = 'unknown'): RequestProjection {
  return { status, agents: [], steps: [], pendingQuestions: [], askedQuestionIds: [] };
}

/** A running request moves on; one that is finishing or finished keeps its status. */
function advance(current: RequestStatus, next: RequestStatus): RequestStatus {
  if (isFinalStatus(current) || current === 'cancelling') return current;
  return next;
}

/**
 * Look-ups by key, so that folding an event costs the same however many
 * agents and steps the projection already holds. Built lazily per projection
 * and rebuilt when its arrays were replaced or grew behind the index's back.
 */
interface ProjectionIndex {
  agentsOf: AgentSummary[];
  stepsOf: StepSummary[];
  agents: Map<string, AgentSummary>;
  steps: Map<string, StepSummary>;
}
const indexes = new WeakMap<RequestProjection, ProjectionIndex>();
const stepKey = (agent: string, step: number) => `${step}\u0000${agent}`;

function indexOf(p: RequestProjection): ProjectionIndex {
  let index = indexes.get(p);
  if (!index || index.agentsOf !== p.agents || index.stepsOf !== p.steps || index.agents.size !== p.agents.length || index.steps.size !== p.steps.length) {
    index = {
      agentsOf: p.agents,
      stepsOf: p.steps,
      agents: new Map(p.agents.map((a) => [a.agent, a])),
      steps: new Map(p.steps.map((s) => [stepKey(s.agent, s.step), s])),
    };
    indexes.set(p, index);
  }
  return index;
}

function findAgent(p: RequestProjection, agent: string): AgentSummary | undefined {
  return indexOf(p).agents.get(agent);
}

function upsertAgent(p: RequestProjection, agent: string, status: 'running' | 'completed' | 'failed', data?: Record<string, unknown>): void {
  const index = indexOf(p);
  const existing = index.agents.get(agent);
  const entry = { agent, status, ...(data === undefined ? {} : { data }) };
  if (existing) Object.assign(existing, entry);
  else {
    p.agents.push(entry);
    index.agents.set(agent, entry);
  }
}

function upsertStep(p: RequestProjection, agent: string, step: number, fields: Partial<StepSummary>): StepSummary {
  const index = indexOf(p);
  const key = stepKey(agent, step);
  const existing = index.steps.get(key);
  if (existing) return Object.assign(existing, fields);
  const entry: StepSummary = { agent, step, status: 'running', ...fields };
  p.steps.push(entry);
  index.steps.set(key, entry);
  return entry;
}

/** What the fold keeps of a step's output. The server's limit is OUTPUT_MAX_BYTES; a client keeps all it is sent. */
export interface FoldLimits {
  outputMaxBytes: number;
}
const UNLIMITED: FoldLimits = { outputMaxBytes: Infinity };

/**
 * Bytes of UTF-8 each step's `output` holds, kept by the fold so that an
 * appended delta costs its own length, never the length of the text before it.
 */
const outputBytes = new WeakMap<StepSummary, number>();

export function outputBytesOf(step: StepSummary): number {
  let bytes = outputBytes.get(step);
  if (bytes === undefined) outputBytes.set(step, (bytes = utf8Length(step.output ?? '')));
  return bytes;
}

/**
 * For a store that keeps a step's text apart from its summary: the summary
 * (whose `output` then holds only what is appended from here on) stands for
 * a step that already holds `bytes` of output.
 */
export function assumeOutputBytes(step: StepSummary, bytes: number): void {
  outputBytes.set(step, bytes);
}

/** Appends a delta within the limit: past it, the longest prefix of whole characters, then nothing more. */
function appendOutput(step: StepSummary, delta: string, maxBytes: number): void {
  if (step.outputTruncated) return;
  const before = outputBytesOf(step);
  const bytes = utf8Length(delta);
  const kept = before + bytes <= maxBytes ? delta : prefixWithinBytes(delta, maxBytes - before);
  step.output = (step.output ?? '') + kept;
  outputBytes.set(step, before + (kept === delta ? bytes : utf8Length(kept)));
  if (kept !== delta) step.outputTruncated = true;
}

function pick(data: Record<string, unknown>, keys: Array<'stepId' | 'tool' | 'result' | 'error'>): Partial<StepSummary> {
  const picked: Partial<StepSummary> = {};
  for (const key of keys) if (data[key] !== undefined) (picked as Record<string, unknown>)[key] = data[key];
  return picked;
}

/** What the agent says the step is: `data.title`, when it is a non-empty string (a later progress without one keeps it). */
function stepTitle(data: Record<string, unknown>): Pick<StepSummary, 'title'> {
  return typeof data.title === 'string' && data.title !== '' ? { title: data.title } : {};
}

/**
 * Steps with the title the plan gives them where the agent gave none: an
 * agent that announces its plan (the demo's thought-agent) reports it as
 * `agent.completed` `data.plan: [{ stepOrder, title?, tool? }]`. Applied when
 * a snapshot is read (the gateway's `state`, the client's picture), not in the
 * fold: folding an event reads and changes only the entries it names.
 */
export function withPlannedTitles(steps: StepSummary[], agents: AgentSummary[]): StepSummary[] {
  const planned = new Map<number, string>();
  for (const { data } of agents) {
    const plan = data?.plan;
    if (!Array.isArray(plan)) continue;
    for (const entry of plan as Array<{ stepOrder?: unknown; title?: unknown } | null>) {
      const { stepOrder, title } = entry ?? {};
      if (typeof stepOrder === 'number' && typeof title === 'string' && title !== '' && !planned.has(stepOrder)) planned.set(stepOrder, title);
    }
  }
  if (planned.size === 0) return steps;
  return steps.map((s) => (s.title !== undefined || !planned.has(s.step) ? s : { ...s, title: planned.get(s.step)! }));
}

/**
 * Folds one recorded event into the projection (mutating and returning it).
 * `state` is this fold over the log; the projection rows cache it.
 * Keeps every output delta: see `foldWithin` for the server's limit.
 */
export function applyEvent(p: RequestProjection, event: RecordedMessage): RequestProjection {
  return fold(p, event, UNLIMITED);
}

/** The fold with limits, as a reducer (`events.reduce(foldWithin(limits), p)`). */
export function foldWithin(limits: FoldLimits): (p: RequestProjection, event: RecordedMessage) => RequestProjection {
  return (p, event) => fold(p, event, limits);
}

function fold(p: RequestProjection, event: RecordedMessage, limits: FoldLimits): RequestProjection {
  switch (event.type) {
    case 'status':
      p.status = isFinalStatus(p.status) ? p.status : event.status;
      if (event.questionId) p.pendingQuestions = p.pendingQuestions.filter((q) => q.questionId !== event.questionId);
      break;
    case 'progress':
      p.status = advance(p.status, p.status === 'waiting' ? 'waiting' : 'running');
      upsertAgent(p, event.agent, findAgent(p, event.agent)?.status === 'failed' ? 'failed' : 'running', event.data);
      if (event.step !== undefined) {
        upsertStep(p, event.agent, event.step, { status: event.status, ...pick(event.data, ['stepId', 'tool', 'result', 'error']), ...stepTitle(event.data) });
      }
      break;
    case 'output':
      // A step first seen through its output is running; the output never changes a step's status.
      p.status = advance(p.status, p.status === 'waiting' ? 'waiting' : 'running');
      appendOutput(upsertStep(p, event.agent, event.step, {}), event.delta, limits.outputMaxBytes);
      break;
    case 'agent.completed':
      upsertAgent(p, event.agent, 'completed', event.data);
      break;
    case 'question': {
      p.status = advance(p.status, 'waiting');
      const { agent, questionId, prompt, options } = event;
      if (!p.askedQuestionIds.includes(questionId)) p.askedQuestionIds.push(questionId);
      p.pendingQuestions = p.pendingQuestions.filter((q) => q.questionId !== questionId);
      p.pendingQuestions.push({ agent, questionId, prompt, ...(options ? { options } : {}) });
      break;
    }
    case 'error':
      upsertAgent(p, event.agent, 'failed');
      if (event.step !== undefined) upsertStep(p, event.agent, event.step, { status: 'failed', error: event.message });
      break;
    case 'request.completed':
      if (!isFinalStatus(p.status)) {
        p.status = event.status;
        if (event.result !== undefined) p.result = event.result;
        if (event.error !== undefined) p.error = event.error;
      }
      p.pendingQuestions = [];
      break;
  }
  return p;
}
