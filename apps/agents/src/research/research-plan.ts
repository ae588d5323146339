import { topicOf, type PlanStep } from '../demo/demo-plan';

/** Search first, report last, a source read per step between (a one-step plan only reports). */
export function makeResearchPlan(userQuery: string, steps: number): PlanStep[] {
  const topic = topicOf(userQuery);
  return Array.from({ length: steps }, (_, i) => {
    const stepOrder = i + 1;
    const [tool, title] =
      stepOrder === steps
        ? ['report.write', `Write the report on "${topic}"`]
        : stepOrder === 1
          ? ['library.search', `Find sources on "${topic}"`]
          : ['source.read', `Read and compare source ${stepOrder - 1}`];
    return { stepOrder, stepId: `research-${stepOrder}`, title, tool };
  });
}
