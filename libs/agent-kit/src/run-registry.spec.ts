import type { StartRequestCommand } from '@app/contracts';
import type { AgentRun, AgentWorkflow } from './agent-workflow';
import { RecordingEventSink } from './recording-event-sink';
import { RunRegistry } from './run-registry';
import { sleep } from './sleep';

const start = (requestId: string): StartRequestCommand => ({ requestId, userQuery: 'q', context: {}, owner: 'u1' });

/** Asks one question, then waits `ms` (abortable). */
function askingWorkflow(ms = 0): AgentWorkflow & { runs: number } {
  return {
    name: 'wf',
    runs: 0,
    async run(run: AgentRun) {
      this.runs++;
      const answer = await run.agent('a').ask('ok?');
      await sleep(ms, run.signal);
      return answer;
    },
  };
}

describe('RunRegistry', () => {
  it('routes feedback to the run that holds the request', async () => {
    const registry = new RunRegistry(askingWorkflow(), new RecordingEventSink());
    const done = registry.start(start('r1'));
    await sleep(5);
    expect(registry.feedback({ requestId: 'other', questionId: 'a:q1', answer: 'x' })).toBe(false);
    expect(registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' })).toBe(true);
    expect(await done).toBe('completed');
    expect(registry.active).toBe(0);
  });

  it('honours a cancel that arrived before its start', async () => {
    const wf = askingWorkflow();
    const sink = new RecordingEventSink();
    const registry = new RunRegistry(wf, sink);
    expect(registry.cancel({ requestId: 'r1' })).toBe(false);
    expect(await registry.start(start('r1'))).toBe('cancelled');
    expect(wf.runs).toBe(0);
    expect(sink.types()).toEqual(['request.completed']);
  });

  it('forgets a remembered cancel after memoryMs', async () => {
    let now = 0;
    const registry = new RunRegistry(askingWorkflow(), new RecordingEventSink(), { memoryMs: 1000, now: () => now });
    registry.cancel({ requestId: 'r1' });
    now = 1001;
    const done = registry.start(start('r1'));
    await sleep(5);
    registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' });
    expect(await done).toBe('completed');
  });

  it('cancels a held run; other runs go on', async () => {
    const registry = new RunRegistry(askingWorkflow(10_000), new RecordingEventSink());
    const r1 = registry.start(start('r1'));
    const r2 = registry.start(start('r2'));
    await sleep(5);
    expect(registry.active).toBe(2);
    expect(registry.cancel({ requestId: 'r1' })).toBe(true);
    expect(await r1).toBe('cancelled');
    registry.feedback({ requestId: 'r2', questionId: 'a:q1', answer: 'yes' });
    registry.interruptAll();
    expect(await r2).toBe('interrupted');
  });

  it('a redelivered start of a run still going here joins it instead of running twice', async () => {
    const wf = askingWorkflow();
    const registry = new RunRegistry(wf, new RecordingEventSink());
    const first = registry.start(start('r1'));
    const again = registry.start(start('r1'));
    await sleep(5);
    registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' });
    expect(await Promise.all([first, again])).toEqual(['completed', 'completed']);
    expect(wf.runs).toBe(1);
    expect(await registry.start(start('r1'))).toBe('already-finished');
  });

  it('an interrupted run may run again on the same worker', async () => {
    const wf = askingWorkflow();
    const registry = new RunRegistry(wf, new RecordingEventSink());
    const first = registry.start(start('r1'));
    registry.interruptAll();
    expect(await first).toBe('interrupted');
    const second = registry.start(start('r1'));
    await sleep(5);
    registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' });
    expect(await second).toBe('completed');
  });

  it('a run taken over elsewhere is interrupted alone; holds() tells which runs are here', async () => {
    const registry = new RunRegistry(askingWorkflow(10_000), new RecordingEventSink());
    const r1 = registry.start(start('r1'));
    const r2 = registry.start(start('r2'));
    expect([registry.holds('r1'), registry.holds('r2'), registry.holds('r3')]).toEqual([true, true, false]);
    registry.interrupt('r1');
    expect(await r1).toBe('interrupted');
    expect([registry.holds('r1'), registry.holds('r2')]).toEqual([false, true]);
    registry.cancel({ requestId: 'r2' });
    expect(await r2).toBe('cancelled');
  });
});
