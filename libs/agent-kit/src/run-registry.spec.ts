import type { StartRequestCommand } from '@app/contracts';
import type { AgentRun, AgentWorkflow } from './agent-workflow';
import { RecordingEventSink } from './recording-event-sink';
import { RunRegistry, type RunRegistryOptions } from './run-registry';
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

/** A registry whose starts all run `workflow`. */
function registryWith(workflow: AgentWorkflow, sink: RecordingEventSink, options?: RunRegistryOptions) {
  const registry = new RunRegistry(sink, options);
  return Object.assign(registry, { startRun: (command: StartRequestCommand) => registry.start(command, workflow) });
}

describe('RunRegistry', () => {
  it('routes feedback to the run that holds the request', async () => {
    const registry = registryWith(askingWorkflow(), new RecordingEventSink());
    const done = registry.startRun(start('r1'));
    await sleep(5);
    expect(registry.feedback({ requestId: 'other', questionId: 'a:q1', answer: 'x' })).toBe(false);
    expect(registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' })).toBe(true);
    expect(await done).toBe('completed');
    expect(registry.active).toBe(0);
  });

  it('honours a cancel that arrived before its start', async () => {
    const wf = askingWorkflow();
    const sink = new RecordingEventSink();
    const registry = registryWith(wf, sink);
    expect(registry.cancel({ requestId: 'r1' })).toBe(false);
    expect(await registry.startRun(start('r1'))).toBe('cancelled');
    expect(wf.runs).toBe(0);
    expect(sink.types()).toEqual(['request.completed']);
  });

  it('forgets a remembered cancel after memoryMs', async () => {
    let now = 0;
    const registry = registryWith(askingWorkflow(), new RecordingEventSink(), { memoryMs: 1000, now: () => now });
    registry.cancel({ requestId: 'r1' });
    now = 1001;
    const done = registry.startRun(start('r1'));
    await sleep(5);
    registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' });
    expect(await done).toBe('completed');
  });

  it('cancels a held run; other runs go on', async () => {
    const registry = registryWith(askingWorkflow(10_000), new RecordingEventSink());
    const r1 = registry.startRun(start('r1'));
    const r2 = registry.startRun(start('r2'));
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
    const registry = registryWith(wf, new RecordingEventSink());
    const first = registry.startRun(start('r1'));
    const again = registry.startRun(start('r1'));
    await sleep(5);
    registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' });
    expect(await Promise.all([first, again])).toEqual(['completed', 'completed']);
    expect(wf.runs).toBe(1);
    expect(await registry.startRun(start('r1'))).toBe('already-finished');
  });

  it('an interrupted run may run again on the same worker', async () => {
    const wf = askingWorkflow();
    const registry = registryWith(wf, new RecordingEventSink());
    const first = registry.startRun(start('r1'));
    registry.interruptAll();
    expect(await first).toBe('interrupted');
    const second = registry.startRun(start('r1'));
    await sleep(5);
    registry.feedback({ requestId: 'r1', questionId: 'a:q1', answer: 'yes' });
    expect(await second).toBe('completed');
  });

  it('a run taken over elsewhere is interrupted alone; holds() tells which runs are here', async () => {
    const registry = registryWith(askingWorkflow(10_000), new RecordingEventSink());
    const r1 = registry.startRun(start('r1'));
    const r2 = registry.startRun(start('r2'));
    expect([registry.holds('r1'), registry.holds('r2'), registry.holds('r3')]).toEqual([true, true, false]);
    registry.interrupt('r1');
    expect(await r1).toBe('interrupted');
    expect([registry.holds('r1'), registry.holds('r2')]).toEqual([false, true]);
    registry.cancel({ requestId: 'r2' });
    expect(await r2).toBe('cancelled');
  });

  it('hands a forwarded command to the handlers of the run that holds the request', async () => {
    const seen: unknown[] = [];
    const wf: AgentWorkflow = {
      async run(run: AgentRun) {
        const stop = run.onCommand('nudge', (body) => {
          seen.push(body);
        });
        await sleep(50, run.signal);
        stop();
        await sleep(50, run.signal);
      },
    };
    const registry = registryWith(wf, new RecordingEventSink());
    const done = registry.startRun(start('r1'));
    await sleep(5);
    expect(await registry.command('r1', 'nudge', { requestId: 'r1', note: 'faster' })).toBe(1);
    expect(await registry.command('r1', 'other', { requestId: 'r1' })).toBe(0);
    expect(await registry.command('r2', 'nudge', { requestId: 'r2' })).toBe(0);
    await sleep(70);
    expect(await registry.command('r1', 'nudge', { requestId: 'r1' })).toBe(0); // removed
    expect(await done).toBe('completed');
    expect(await registry.command('r1', 'nudge', { requestId: 'r1' })).toBe(0); // ended
    expect(seen).toEqual([{ requestId: 'r1', note: 'faster' }]);
  });

  it('refuses command names that are not one word or are the built-in ones', async () => {
    const names: string[] = [];
    const wf: AgentWorkflow = {
      async run(run: AgentRun) {
        for (const name of ['cancel', 'feedback', 'start', 'a.b', '', 'retry-step']) {
          try {
            run.onCommand(name, () => undefined);
            names.push(name);
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
          }
        }
      },
    };
    expect(await registryWith(wf, new RecordingEventSink()).startRun(start('r1'))).toBe('completed');
    expect(names).toEqual(['retry-step']);
  });
});
