import type { AgentWorkflow } from './agent-workflow';
import { planWorkflowRoutes, type FoundWorkflow } from './workflow-routes';

const wf = (label: string, name?: string, isDefault = false): FoundWorkflow => ({
  workflow: { run: async () => undefined } as AgentWorkflow,
  label,
  name,
  isDefault,
});
const keys = (found: FoundWorkflow[]) => planWorkflowRoutes(found).map(({ routingKey, queue }) => [routingKey, queue]);

describe('planWorkflowRoutes', () => {
  it('gives each named workflow its routing key and queue, and the default workflow today’s', () => {
    expect(keys([wf('Demo', 'demo', true), wf('Research', 'research')])).toEqual([
      ['request.start.demo', 'agents.request.start.demo'],
      ['request.start', 'agents.request.start'],
      ['request.start.research', 'agents.request.start.research'],
    ]);
  });

  it('serves an undecorated workflow (forRoot({ workflow })) as the default', () => {
    expect(keys([wf('Legacy')])).toEqual([['request.start', 'agents.request.start']]);
  });

  it('works without a default workflow', () => {
    expect(keys([wf('Research', 'research')])).toEqual([['request.start.research', 'agents.request.start.research']]);
  });

  it('refuses two classes for one name, two defaults, and no workflow at all', () => {
    expect(() => planWorkflowRoutes([wf('A', 'x'), wf('B', 'x')])).toThrow(/workflow 'x' is served by both A and B/);
    expect(() => planWorkflowRoutes([wf('A', 'a', true), wf('B', 'b', true)])).toThrow(/default workflow is served by both A and B/);
    expect(() => planWorkflowRoutes([wf('A', 'a', true), wf('Legacy')])).toThrow(/default workflow/);
    expect(() => planWorkflowRoutes([])).toThrow(/no agent workflow/);
  });
});
