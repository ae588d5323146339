import { AgentRunSession, RecordingEventSink, sleep } from '@app/agent-kit';
import { demoTokens, makePlan } from './demo-plan';
import { DemoWorkflow } from './demo.workflow';

function runDemo(demo: unknown) {
  const sink = new RecordingEventSink();
  const session = new AgentRunSession({ requestId: 'r1', userQuery: 'compare prices', context: { demo }, owner: 'u1' }, sink);
  return { sink, session, done: session.execute(new DemoWorkflow()) };
}

/** `type step status` per event, to read like the protocol. */
const trace = (sink: RecordingEventSink) =>
  sink.events.map((e) => [e.type, e.data.stepOrder ?? e.data.step, e.data.status].filter((x) => x !== undefined).join(' '));

describe('DemoWorkflow', () => {
  it('plans, runs each step, and completes', async () => {
    const { sink, done } = runDemo({ steps: 2, stepDelayMs: 0 });
    expect(await done).toBe('completed');
    expect(trace(sink)).toEqual([
      'thought.progress running',
      'thought.progress completed',
      'agent.completed',
      'executor.step.progress 1 running',
      'executor.step.progress 1 completed',
      'executor.step.progress 2 running',
      'executor.step.progress 2 completed',
      'agent.completed',
      'request.completed completed',
    ]);
    expect(sink.events[2].data.plan).toEqual([
      { stepOrder: 1, stepId: 'step-1', title: 'Search the web for "compare prices"', tool: 'web.search' },
      { stepOrder: 2, stepId: 'step-2', title: 'Read the most relevant sources', tool: 'docs.read' },
    ]);
    expect(sink.events[3].data).toEqual({ stepOrder: 1, stepId: 'step-1', tool: 'web.search', title: 'Search the web for "compare prices"', status: 'running' });
  });

  it('streamAtStep: that step streams streamTokens tokens as output at about tokensPerSecond, between running and completed', async () => {
    const started = Date.now();
    const { sink, done } = runDemo({ steps: 2, stepDelayMs: 0, streamAtStep: 2, streamTokens: 30, tokensPerSecond: 300 });
    expect(await done).toBe('completed');
    const took = Date.now() - started;
    const outputs = sink.events.filter((e) => e.type === 'executor.step.output');
    const text = outputs.map((e) => e.data.delta).join('');
    expect(text).toBe(demoTokens(makePlan('compare prices', 2)[1], 30).join(''));
    expect(text.startsWith('Step 2: ')).toBe(true);
    expect(outputs.every((e) => e.data.stepOrder === 2)).toBe(true);
    expect(outputs.length).toBeLessThan(30); // coalesced
    expect(took).toBeGreaterThanOrEqual(90); // 30 tokens at 300/s: paced, not all at once
    const streamed = trace(sink).filter((t) => t.includes(' 2 ') || t.endsWith(' 2'));
    expect(streamed[0]).toBe('executor.step.progress 2 running');
    expect(streamed.at(-1)).toBe('executor.step.progress 2 completed');
    expect(sink.events.find((e) => e.type === 'executor.step.progress' && e.data.status === 'completed' && e.data.stepOrder === 2)!.data).toMatchObject({ stepId: 'step-2' });
  });

  it('failAtStep: the step fails, then agent.error, then request.completed failed', async () => {
    const { sink, done } = runDemo({ steps: 3, stepDelayMs: 0, failAtStep: 2 });
    expect(await done).toBe('failed');
    expect(trace(sink).slice(5)).toEqual([
      'executor.step.progress 2 running',
      'executor.step.progress 2 failed',
      'agent.error 2',
      'request.completed failed',
    ]);
    const [error, final] = sink.events.slice(-2);
    expect(error).toMatchObject({ agent: 'executor-agent', data: { message: expect.stringContaining('step 2 failed'), step: 2 } });
    expect(final.data).toEqual({ status: 'failed', error: error.data.message });
  });

  it('askAtStep: asks while the step runs and goes on with the answer', async () => {
    const { sink, session, done } = runDemo({ steps: 2, stepDelayMs: 0, askAtStep: 1 });
    // Waits for the question rather than a fixed time: a loaded machine may take longer to get there.
    const asked = () => sink.events.find((e) => e.type === 'agent.question');
    for (const deadline = Date.now() + 5000; !asked() && Date.now() < deadline; ) await sleep(5);
    const question = asked();
    expect(question?.data).toMatchObject({ questionId: 'executor-agent:q2', options: ['go ahead', 'be brief'] });
    session.answer('executor-agent:q2', 'be brief');
    expect(await done).toBe('completed');
    expect(sink.events.find((e) => e.data.status === 'completed' && e.data.stepOrder === 1)?.data.result).toEqual({
      output: expect.stringContaining('be brief'),
    });
  });

  it('a question timeout fails the step and the run', async () => {
    const { sink, done } = runDemo({ stepDelayMs: 0, askAtStep: 1, questionTimeoutMs: 10 });
    expect(await done).toBe('failed');
    expect(trace(sink).slice(-3)).toEqual(['executor.step.progress 1 failed', 'agent.error 1', 'request.completed failed']);
  });

  it('after a cancel no new step starts', async () => {
    const { sink, session, done } = runDemo({ steps: 5, stepDelayMs: 30 });
    await sleep(45); // inside step 1
    session.cancel();
    expect(await done).toBe('cancelled');
    expect(trace(sink).filter((t) => t.includes(' 2 '))).toEqual([]);
    expect(trace(sink).at(-1)).toBe('request.completed cancelled');
  });

  it.each([
    [{ steps: 51 }, /steps must not be greater than 50/],
    [{ stepDelayMs: -1 }, /stepDelayMs/],
    [{ failAt: 2 }, /failAt should not exist/],
    ['fast', /context.demo: it must be an object/],
  ])('refuses bad knobs %j, naming them', async (demo, message) => {
    const { sink, done } = runDemo(demo);
    expect(await done).toBe('failed');
    expect(sink.events.map((e) => [e.type, e.agent])).toEqual([
      ['agent.error', 'thought-agent'],
      ['request.completed', 'thought-agent'],
    ]);
    expect(sink.events[1].data.error).toMatch(message);
  });
});
