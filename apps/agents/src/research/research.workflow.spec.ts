import { AgentRunSession, RecordingEventSink } from '@app/agent-kit';
import { ResearchWorkflow } from './research.workflow';

describe('ResearchWorkflow', () => {
  it('plans with the librarian and runs the plan with the researcher: search, reads, report', async () => {
    const sink = new RecordingEventSink();
    const session = new AgentRunSession({ requestId: 'r1', userQuery: 'solar panels', context: { demo: { steps: 4, stepDelayMs: 0 } }, owner: 'u1', workflow: 'research' }, sink);
    expect(await session.execute(new ResearchWorkflow())).toBe('completed');
    expect([...new Set(sink.events.map((e) => `${e.agent} ${e.type}`))]).toEqual([
      'librarian-agent librarian.progress',
      'librarian-agent agent.completed',
      'researcher-agent researcher.step.progress',
      'researcher-agent agent.completed',
      'researcher-agent request.completed',
    ]);
    const plan = sink.events.find((e) => e.type === 'agent.completed')?.data.plan as Array<{ tool: string }>;
    expect(plan.map((s) => s.tool)).toEqual(['library.search', 'source.read', 'source.read', 'report.write']);
  });
});
