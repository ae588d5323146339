import { Injectable } from '@nestjs/common';
import { QuestionTimeoutError, sleep, type AgentReporter, type AgentRun, type AgentWorkflow } from '@app/agent-kit';
import { makePlan, readDemoKnobs, simulateTool, type DemoKnobs, type PlanStep } from './demo-plan';

/**
 * The demo of docs/protocol.md §4: thought-agent plans, executor-agent runs the
 * plan's steps with a pretend tool. `context.demo` shapes the run.
 */
@Injectable()
export class DemoWorkflow implements AgentWorkflow {
  readonly name = 'demo';

  async run(run: AgentRun): Promise<unknown> {
    const thought = run.agent('thought-agent');
    let knobs: DemoKnobs;
    try {
      knobs = readDemoKnobs(run.context);
    } catch (error) {
      await thought.error((error as Error).message);
      throw error;
    }
    await thought.progress({ status: 'running', message: 'Planning…' });
    await sleep(knobs.stepDelayMs, run.signal);
    const plan = makePlan(run.userQuery, knobs.steps);
    await thought.progress({ status: 'completed', message: `Planned ${plan.length} steps` });
    await thought.completed({ plan });

    const executor = run.agent('executor-agent');
    const results = [];
    for (const step of plan) {
      run.signal.throwIfAborted(); // no new step after a cancel
      results.push(await this.runStep(run, executor, step, knobs));
    }
    await executor.completed({ steps: results.length });
    return { answer: `Done: ${plan.length} steps for "${run.userQuery}"`, steps: results };
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
