import { startQueue, startRoutingKey } from '@app/contracts';
import type { AgentWorkflow } from './agent-workflow';

/** A workflow provider found on the worker: its `@AgentWorkflow` name, if any, and whether it is the default. */
export interface FoundWorkflow {
  workflow: AgentWorkflow;
  /** For error messages: the class name. */
  label: string;
  /** undefined: not decorated (`AgentKitModule.forRoot({ workflow })` of old: the default workflow). */
  name?: string;
  isDefault: boolean;
}

/** One routing key this worker takes starts from, the durable queue holding them, and what runs them. */
export interface WorkflowRoute {
  routingKey: string;
  queue: string;
  workflow: AgentWorkflow;
  /** Its `@AgentWorkflow` name: the kit-made events' `agent` when the class has no `name`. */
  name?: string;
}

/**
 * The start routes of one worker: `request.start.<name>` per named workflow,
 * plus `request.start` for the default one. Refuses what would make starts
 * ambiguous: two workflows of one name, two defaults, none at all.
 */
export function planWorkflowRoutes(found: FoundWorkflow[]): WorkflowRoute[] {
  if (found.length === 0) {
    throw new Error('no agent workflow: decorate a provider with @AgentWorkflow(name) (or pass AgentKitModule.forRoot({ workflow }))');
  }
  const routes: WorkflowRoute[] = [];
  const owners = new Map<string, string>();
  const take = (workflowName: string | undefined, entry: FoundWorkflow) => {
    const routingKey = startRoutingKey(workflowName);
    const taken = owners.get(routingKey);
    if (taken !== undefined) {
      const what = workflowName === undefined ? 'the default workflow' : `workflow '${workflowName}'`;
      throw new Error(`${what} is served by both ${taken} and ${entry.label}; one class per workflow`);
    }
    owners.set(routingKey, entry.label);
    routes.push({ routingKey, queue: startQueue(workflowName), workflow: entry.workflow, name: entry.name });
  };
  for (const entry of found) {
    if (entry.name !== undefined) take(entry.name, entry);
    if (entry.isDefault || entry.name === undefined) take(undefined, entry);
  }
  return routes;
}
