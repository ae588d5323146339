import { AgentWorkflow, QuestionTimeoutError, sleep, type AgentReporter, type AgentRun } from '@app/agent-kit';
import { demoTokens, makePlan, readDemoKnobs, simulateTool, type DemoKnobs, type PlanStep } from './demo-plan';

/**
 * The demo of docs/protocol.md §4: thought-agent plans, executor-agent runs the
 * plan's steps with a pretend tool. `context.demo` shapes the run. The
 * default workflow too: starts that name none run it, as before workflows.
 */
@AgentWorkflow('demo', { default: true })
export class DemoWorkflow implements AgentWorkflow {
  readonly name: string = 'demo';
  /** Who plans and who carries the plan out: the events' `agent`s. */
  protected readonly agents = { planner: 'thought-agent', executor: 'executor-agent' };

  async run(run: AgentRun): Promise<unknown> {
    const thought = run.agent(this.agents.planner);
    let knobs: DemoKnobs;
    try {
      knobs = readDemoKnobs(run.context);
    } catch (error) {
      await thought.error((error as Error).message);
      throw error;
    }
    await thought.progress({ status: 'running', message: 'Planning…' });
    await sleep(knobs.stepDelayMs, run.signal);
    const plan = this.plan(run.userQuery, knobs.steps);
    await thought.progress({ status: 'completed', message: `Planned ${plan.length} steps` });
    await thought.completed({ plan });

    const executor = run.agent(this.agents.executor);
    const results = [];
    for (const step of plan) {
      run.signal.throwIfAborted(); // no new step after a cancel
      results.push(await this.runStep(run, executor, step, knobs));
    }
    await executor.completed({ steps: results.length });
    return { answer: `Done: ${plan.length} steps for "${run.userQuery}"`, steps: results };
  }

  protected plan(userQuery: string, steps: number): PlanStep[] {
    return makePlan(userQuery, steps);
  }

  private async runStep(run: AgentRun, executor: AgentReporter, step: PlanStep, knobs: DemoKnobs) {
    const about = { stepOrder: step.stepOrder, stepId: step.stepId, tool: step.tool, title: step.title };
    await executor.progress({ ...about, status: 'running' });
    let answer: string | undefined;
    if (step.stepOrder === knobs.askAtStep) {
      try {
        answer = await executor.ask(`Step ${step.stepOrder} (${step.title}): how should I go on?`, {
          options: ['go ahead', 'be brief'],
          timeoutMs: knobs.questionTimeoutMs,
        });
      } catch (error) {
        if (error instanceof QuestionTimeoutError) await this.failStep(executor, about, error.message);
        throw error;
      }
      await executor.progress({ ...about, status: 'running', answer });
    }
    if (step.stepOrder === knobs.streamAtStep) {
      // stream() reports the step running (again) and completed around the text.
      const text = await executor.stream(step.stepOrder, paced(demoTokens(step, knobs.streamTokens), knobs.tokensPerSecond, run.signal), { data: about });
      return { ...about, result: { characters: Array.from(text).length } };
    }
    await sleep(knobs.stepDelayMs, run.signal);
    if (step.stepOrder === knobs.failAtStep) {
      const message = `step ${step.stepOrder} failed: ${step.tool} returned an error (failAtStep)`;
      await this.failStep(executor, about, message);
      throw new Error(message);
    }
    const result = simulateTool(step, answer);
    await executor.progress({ ...about, status: 'completed', result });
    return { ...about, result };
  }

  private async failStep(executor: AgentReporter, about: { stepOrder: number }, message: string): Promise<void> {
    await executor.progress({ ...about, status: 'failed', error: message });
    await executor.error(message, about.stepOrder);
  }
}

/** The tokens at `perSecond`, as an LLM client's stream yields them; paced by the clock, so slow pulls do not drift. */
async function* paced(tokens: string[], perSecond: number, signal: AbortSignal): AsyncGenerator<string> {
  const start = Date.now();
  for (let i = 0; i < tokens.length; i++) {
    await sleep(Math.max(0, start + (i * 1000) / perSecond - Date.now()), signal);
    yield tokens[i];
  }
}
