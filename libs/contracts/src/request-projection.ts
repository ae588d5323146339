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

function upsertStep(p: RequestProjection, agent: string, step: number, fields: Partial<StepSummary>): void {
  const index = indexOf(p);
  const key = stepKey(agent, step);
  const existing = index.steps.get(key);
  if (existing) Object.assign(existing, fields);
  else {
    const entry: StepSummary = { agent, step, status: 'running', ...fields };
    p.steps.push(entry);
    index.steps.set(key, entry);
  }
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
 * `state` is this fold over the log; the projection row caches it.
 */
export function applyEvent(p: RequestProjection, event: RecordedMessage): RequestProjection {
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
