import { AgentWorkflow } from '@app/agent-kit';
import { DemoWorkflow } from '../demo/demo.workflow';
import type { PlanStep } from '../demo/demo-plan';
import { makeResearchPlan } from './research-plan';

/**
 * The second demo workflow (`start` with `workflow: 'research'`): a librarian
 * picks sources, a researcher reads and compares them and writes a report.
 * Same knobs as the demo (`context.demo`), other agents and another plan —
 * enough to show on the page that a start reaches the workflow it named.
 */
@AgentWorkflow('research')
export class ResearchWorkflow extends DemoWorkflow {
  override readonly name = 'research';
  protected override readonly agents = { planner: 'librarian-agent', executor: 'researcher-agent' };

  protected override plan(userQuery: string, steps: number): PlanStep[] {
    return makeResearchPlan(userQuery, steps);
  }
}
