import type { StartRequestCommand } from '@app/contracts';
import { AgentRunSession } from './agent-run';
import type { AgentRun, AgentWorkflow } from './agent-workflow';
import { RecordingEventSink } from './recording-event-sink';
import { QuestionTimeoutError } from './run-errors';
import { sleep } from './sleep';

const command: StartRequestCommand = { requestId: 'req-1', userQuery: 'q', context: {}, owner: 'u1' };

function workflow(run: (run: AgentRun) => Promise<unknown>): AgentWorkflow {
  return { name: 'wf', run };
}

function setup(options = {}) {
  const sink = new RecordingEventSink();
  const session = new AgentRunSession(command, sink, { workflowName: 'wf', abortGraceMs: 50, ...options });
  return { sink, session };
}

const finals = (sink: RecordingEventSink) => sink.events.filter((e) => e.type === 'request.completed');

describe('AgentRunSession event ids', () => {
  it('numbers events per agent as <requestId>:<agent>:<n>, request.completed included', async () => {
    const { sink, session } = setup();
    await session.execute(
      workflow(async (run) => {
        const a = run.agent('thought-agent');
        const b = run.agent('executor-agent');
        await a.progress({ status: 'running' });
        await b.progress({ status: 'running', stepOrder: 1 });
        await a.completed({ plan: [] });
        await b.completed();
      }),
    );
    expect(sink.events.map((e) => [e.type, e.agent, e.eventId])).toEqual([
      ['thought.progress', 'thought-agent', 'req-1:thought-agent:1'],
      ['executor.step.progress', 'executor-agent', 'req-1:executor-agent:1'],
      ['agent.completed', 'thought-agent', 'req-1:thought-agent:2'],
      ['agent.completed', 'executor-agent', 'req-1:executor-agent:2'],
      ['request.completed', 'executor-agent', 'req-1:executor-agent:3'],
    ]);
  });

  it('repeats the same ids when the same workflow runs again (re-run after a crash)', async () => {
    const wf = workflow(async (run) => {
      await run.agent('a').progress({ status: 'running' });
      return 1;
    });
    const first = setup();
    const second = setup();
    await first.session.execute(wf);
    await second.session.execute(wf);
    expect(second.sink.events.map((e) => e.eventId)).toEqual(first.sink.events.map((e) => e.eventId));
  });

  it('publishes in call order even when calls are not awaited one by one', async () => {
    const sink = new RecordingEventSink();
    const publish = sink.publish.bind(sink);
    let delay = 30;
    sink.publish = async (event) => {
      await sleep((delay = Math.max(0, delay - 10)));
      return publish(event);
    };
    const session = new AgentRunSession(command, sink);
    await session.execute(
      workflow(async (run) => {
        const a = run.agent('a');
        await Promise.all([1, 2, 3].map((stepOrder) => a.progress({ status: 'running', stepOrder })));
      }),
    );
    expect(sink.events.map((e) => e.data.stepOrder ?? e.type)).toEqual([1, 2, 3, 'request.completed']);
  });

  it('uses the given progress type, and refuses bad progress data at the call', async () => {
    const { sink, session } = setup();
    await session.execute(
      workflow(async (run) => {
        const a = run.agent('planner');
        await a.progress({ status: 'running' }, { type: 'planner.thinking.progress' });
        await expect(a.progress({ status: 'done' as never })).rejects.toThrow(/status/);
        await expect(a.progress({ status: 'running' }, { type: 'planner.thinking' })).rejects.toThrow(/\.progress/);
        expect(() => run.agent('bad name!')).toThrow(/agent name/);
      }),
    );
    expect(sink.types()).toEqual(['planner.thinking.progress', 'request.completed']);
  });
});

describe('AgentRunSession ending rules', () => {
  it('a resolved workflow ends completed with its result, once', async () => {
    const { sink, session } = setup();
    const outcome = await session.execute(workflow(async () => ({ answer: 42 })));
    expect(outcome).toBe('completed');
    expect(finals(sink)).toEqual([
      { type: 'request.completed', requestId: 'req-1', agent: 'wf', eventId: 'req-1:wf:1', data: { status: 'completed', result: { answer: 42 } } },
    ]);
    await expect(session.execute(workflow(async () => 1))).rejects.toThrow(/already executed/);
  });

  it('a throwing workflow ends failed: agent.error, then request.completed with the message', async () => {
    const { sink, session } = setup();
    const outcome = await session.execute(
      workflow(async (run) => {
        await run.agent('x-agent').progress({ status: 'running' });
        throw new Error('tool exploded');
      }),
    );
    expect(outcome).toBe('failed');
    expect(sink.events.slice(1).map((e) => [e.type, e.agent, e.data])).toEqual([
      ['agent.error', 'x-agent', { message: 'tool exploded' }],
      ['request.completed', 'x-agent', { status: 'failed', error: 'tool exploded' }],
    ]);
  });

  it('does not repeat an error the workflow already reported', async () => {
    const { sink, session } = setup();
    await session.execute(
      workflow(async (run) => {
        await run.agent('x').error('step 2 broke', 2);
        throw new Error('step 2 broke');
      }),
    );
    expect(sink.events.map((e) => [e.type, e.data])).toEqual([
      ['agent.error', { message: 'step 2 broke', step: 2 }],
      ['request.completed', { status: 'failed', error: 'step 2 broke' }],
    ]);
  });

  it('a cancel during the run ends it cancelled and later reports are refused', async () => {
    const { sink, session } = setup();
    let lateReport: Promise<void> | undefined;
    const done = session.execute(
      workflow(async (run) => {
        await run.agent('a').progress({ status: 'running', stepOrder: 1 });
        try {
          await sleep(10_000, run.signal);
        } finally {
          lateReport = run.agent('a').progress({ status: 'running', stepOrder: 2 });
          lateReport.catch(() => undefined);
        }
      }),
    );
    await sleep(10);
    session.cancel();
    expect(await done).toBe('cancelled');
    await expect(lateReport).rejects.toMatchObject({ name: 'AbortError' });
    expect(sink.events.map((e) => [e.type, e.data.status])).toEqual([
      ['a.step.progress', 'running'],
      ['request.completed', 'cancelled'],
    ]);
  });

  it('a cancel before the run starts ends it cancelled without running the workflow', async () => {
    const { sink, session } = setup();
    const run = jest.fn();
    session.cancel();
    expect(await session.execute({ run })).toBe('cancelled');
    expect(run).not.toHaveBeenCalled();
    expect(sink.events).toEqual([expect.objectContaining({ type: 'request.completed', agent: 'wf', data: { status: 'cancelled' } })]);
  });

  it('ends a cancelled run after the grace even when the workflow ignores the signal', async () => {
    const { sink, session } = setup({ abortGraceMs: 20 });
    const done = session.execute(workflow(() => new Promise(() => undefined)));
    const started = Date.now();
    session.cancel();
    expect(await done).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(500);
    expect(finals(sink)).toHaveLength(1);
  });

  it('a shutdown ends the run interrupted, without request.completed', async () => {
    const { sink, session } = setup();
    const done = session.execute(workflow((run) => sleep(10_000, run.signal)));
    session.interrupt();
    expect(await done).toBe('interrupted');
    expect(finals(sink)).toEqual([]);
  });

  it('a refused publish ends the run interrupted and sends nothing after it', async () => {
    const { sink, session } = setup();
    sink.failWhen = (e) => e.data.stepOrder === 1;
    const outcome = await session.execute(
      workflow(async (run) => {
        const a = run.agent('a');
        await a.progress({ status: 'running', stepOrder: 1 }).catch(() => undefined);
        await a.progress({ status: 'running', stepOrder: 2 }).catch(() => undefined);
      }),
    );
    expect(outcome).toBe('interrupted');
    expect(sink.events).toEqual([]);
  });
});

describe('AgentRunSession questions', () => {
  it('publishes agent.question with a deterministic id and resolves with the feedback', async () => {
    const { sink, session } = setup();
    const done = session.execute(workflow(async (run) => run.agent('exec').ask('Which?', { options: ['a', 'b'] })));
    await sleep(5);
    expect(sink.events[0]).toMatchObject({ type: 'agent.question', data: { questionId: 'exec:q1', prompt: 'Which?', options: ['a', 'b'] } });
    expect(session.answer('exec:q9', 'nope')).toBe(false);
    expect(session.answer('exec:q1', 'b')).toBe(true);
    expect(session.answer('exec:q1', 'again')).toBe(false);
    expect(await done).toBe('completed');
    expect(finals(sink)[0].data).toEqual({ status: 'completed', result: 'b' });
  });

  it('rejects with QuestionTimeoutError after the timeout, and the run ends failed', async () => {
    const { sink, session } = setup();
    let error: unknown;
    const outcome = await session.execute(
      workflow(async (run) => {
        try {
          return await run.agent('exec').ask('Which?', { timeoutMs: 20 });
        } catch (e) {
          error = e;
          throw e;
        }
      }),
    );
    expect(error).toBeInstanceOf(QuestionTimeoutError);
    expect(outcome).toBe('failed');
    expect(finals(sink)[0].data).toEqual({ status: 'failed', error: 'question exec:q1 got no answer within 20 ms' });
  });

  it('rejects a pending question on cancel, and the run ends cancelled', async () => {
    const { sink, session } = setup();
    const done = session.execute(workflow((run) => run.agent('exec').ask('Which?')));
    await sleep(5);
    session.cancel();
    expect(await done).toBe('cancelled');
    expect(finals(sink)[0].data).toEqual({ status: 'cancelled' });
  });

  it('refuses unsendable data at the call, and fails a run whose result cannot be sent', async () => {
    const { sink, session } = setup();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const outcome = await session.execute(
      workflow(async (run) => {
        const a = run.agent('a');
        await expect(a.completed({ blob: 'x'.repeat(2 * 1024 * 1024) })).rejects.toThrow(/more than/);
        await expect(a.progress({ status: 'running', circular })).rejects.toThrow(/JSON/);
        await a.progress({ status: 'running' });
        return { big: 10n };
      }),
    );
    expect(outcome).toBe('failed');
    expect(sink.events.map((e) => [e.type, e.eventId])).toEqual([
      ['a.progress', 'req-1:a:1'],
      ['agent.error', 'req-1:a:2'],
      ['request.completed', 'req-1:a:3'],
    ]);
    expect(sink.events[2].data.error).toMatch(/result is not JSON-serialisable/);
  });
});
