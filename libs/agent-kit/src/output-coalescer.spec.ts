import type { StartRequestCommand } from '@app/contracts';
import { AgentRunSession } from './agent-run';
import type { AgentRun } from './agent-workflow';
import { OutputCoalescer } from './output-coalescer';
import { RecordingEventSink } from './recording-event-sink';
import { RunCancelledError } from './run-errors';
import { sleep } from './sleep';

const command: StartRequestCommand = { requestId: 'req-1', userQuery: 'q', context: {}, owner: 'u1' };

/** A run on an in-memory sink; `gate` holds each publish until released, as a slow broker would. */
function setup(output = { windowMs: 20, maxBytes: 64 }) {
  const sink = new RecordingEventSink();
  const session = new AgentRunSession(command, sink, { workflowName: 'wf', abortGraceMs: 50, output });
  const deltas = () => sink.events.filter((e) => e.type.endsWith('.output')).map((e) => e.data.delta as string);
  return { sink, session, deltas };
}

async function* tokens(list: string[], gapMs = 0): AsyncGenerator<string> {
  for (const token of list) {
    if (gapMs) await sleep(gapMs);
    yield token;
  }
}

describe('OutputCoalescer', () => {
  it('gathers the deltas of one window into one event, in order', async () => {
    const sent: string[] = [];
    const coalescer = new OutputCoalescer(async (d) => void sent.push(d), { windowMs: 30, maxBytes: 1024 });
    for (const t of ['a', 'b', 'c', 'd']) await coalescer.add(t);
    expect(sent).toEqual([]);
    await sleep(80);
    expect(sent).toEqual(['abcd']);
    await coalescer.add('e');
    await coalescer.flush();
    expect(sent).toEqual(['abcd', 'e']);
  });

  it('sends a full buffer at once, each event within the byte cap, cut between whole characters only', async () => {
    const sent: string[] = [];
    const coalescer = new OutputCoalescer(async (d) => void sent.push(d), { windowMs: 10_000, maxBytes: 8 });
    await coalescer.add('abcdef😀😀xyz');
    await coalescer.flush();
    expect(sent).toEqual(['abcdef', '😀😀', 'xyz']);
    expect(sent.every((d) => Buffer.byteLength(d) <= 8)).toBe(true);
    expect(sent.join('')).toBe('abcdef😀😀xyz');
  });

  it('keeps at most one event in flight and one buffer while the broker is slow: add waits once the buffer is full', async () => {
    const releases: Array<() => void> = [];
    const sent: string[] = [];
    const coalescer = new OutputCoalescer(
      (d) => new Promise<void>((resolve) => releases.push(() => (sent.push(d), resolve()))),
      { windowMs: 1, maxBytes: 4 },
    );
    let accepted = 0;
    const producer = (async () => {
      for (let i = 0; i < 40; i++) {
        await coalescer.add('ab');
        accepted++;
      }
      await coalescer.flush();
    })();
    await sleep(50);
    // One event (4 bytes) waits on the broker, one full buffer (4 bytes) waits behind it; the delta that filled it waits too.
    expect(releases).toHaveLength(1);
    expect(accepted).toBe(3);
    while (sent.length < 20) {
      releases.shift()?.();
      await sleep(2);
    }
    await producer;
    expect(sent.join('')).toBe('ab'.repeat(40));
  });

  it('a failed event fails the next add and flush', async () => {
    const coalescer = new OutputCoalescer(async () => Promise.reject(new Error('broker gone')), { windowMs: 1, maxBytes: 64 });
    await coalescer.add('x');
    await sleep(20);
    await expect(coalescer.add('y')).rejects.toThrow('broker gone');
  });
});

describe('agent.output / agent.stream', () => {
  it('stream reports the step running, its output in coalesced events, then completed, and resolves with the whole text', async () => {
    const { sink, session, deltas } = setup({ windowMs: 25, maxBytes: 1024 });
    const source = Array.from({ length: 30 }, (_, i) => `tok${i} `);
    let text = '';
    await session.execute({ run: async (run: AgentRun) => void (text = await run.agent('writer-agent').stream(2, tokens(source, 2), { data: { title: 'Draft' } })) });
    expect(text).toBe(source.join(''));
    expect(deltas().join('')).toBe(source.join(''));
    expect(deltas().length).toBeLessThan(source.length / 2); // 30 tokens 2 ms apart in 25 ms windows
    const types = sink.events.map((e) => e.type);
    expect(types[0]).toBe('writer.step.progress');
    expect(sink.events[0].data).toEqual({ title: 'Draft', status: 'running', stepOrder: 2 });
    expect(types.slice(1, -2).every((t) => t === 'writer.step.output')).toBe(true);
    expect(sink.events.at(-2)!.data).toEqual({ title: 'Draft', status: 'completed', stepOrder: 2 });
    expect(types.at(-1)).toBe('request.completed');
    expect(sink.events.filter((e) => e.type === 'writer.step.output').every((e) => e.data.stepOrder === 2)).toBe(true);
  });

  it("output written before another report of the agent goes out before it; what is buffered at the end goes out before request.completed", async () => {
    const { sink, session } = setup({ windowMs: 10_000, maxBytes: 1024 });
    await session.execute({
      run: async (run: AgentRun) => {
        const writer = run.agent('writer');
        await writer.output(1, 'Hello ');
        await writer.output(1, 'world');
        await writer.progress({ status: 'completed', stepOrder: 1 });
        await writer.output(2, 'tail');
      },
    });
    expect(sink.events.map((e) => [e.type, e.data.delta ?? e.data.status])).toEqual([
      ['writer.step.output', 'Hello world'],
      ['writer.step.progress', 'completed'],
      ['writer.step.output', 'tail'],
      ['request.completed', 'completed'],
    ]);
  });

  it('a cancel stops the stream while the source waits, tells the source to return, and nothing more is sent', async () => {
    const { sink, session, deltas } = setup({ windowMs: 10_000, maxBytes: 1024 });
    let returned = false;
    const hanging: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => {
        let first = true;
        return {
          next: () => (first ? ((first = false), Promise.resolve({ value: 'only', done: false })) : new Promise(() => undefined)),
          return: async () => ((returned = true), { value: undefined, done: true }),
        };
      },
    };
    let thrown: unknown;
    const outcome = session.execute({ run: (run) => run.agent('writer').stream(1, hanging).catch((e) => Promise.reject((thrown = e))) });
    await sleep(30);
    session.cancel();
    expect(await outcome).toBe('cancelled');
    expect(thrown).toBeInstanceOf(RunCancelledError);
    expect(returned).toBe(true);
    expect(deltas()).toEqual([]); // buffered, never sent: dropped
    expect(sink.types()).toEqual(['writer.step.progress', 'request.completed']);
  });

  it('a source that throws reports the step failed after the output it gave, and fails the run', async () => {
    const { sink, session, deltas } = setup();
    async function* broken() {
      yield 'partial';
      throw new Error('model overloaded');
    }
    expect(await session.execute({ run: (run) => run.agent('writer').stream(1, broken()) })).toBe('failed');
    expect(deltas()).toEqual(['partial']);
    expect(sink.events.find((e) => e.data.status === 'failed' && e.type === 'writer.step.progress')!.data).toMatchObject({ error: 'model overloaded', stepOrder: 1 });
  });

  it("numbers output events per step, apart from the agent's other events: a redo that coalesces differently keeps the other ids", async () => {
    const ids = async (windowMs: number) => {
      const { sink, session } = setup({ windowMs, maxBytes: 1024 });
      await session.execute({ run: (run) => run.agent('writer-agent').stream(1, tokens(['a', 'b', 'c', 'd'], 5)) });
      return sink.events.map((e) => e.eventId);
    };
    const [oneEvent, fourEvents] = [await ids(10_000), await ids(0)];
    expect(oneEvent).toEqual(['req-1:writer-agent:1', 'req-1:writer-agent:step1:out1', 'req-1:writer-agent:2', 'req-1:writer-agent:3']);
    expect(fourEvents.filter((id) => !id.includes(':out'))).toEqual(['req-1:writer-agent:1', 'req-1:writer-agent:2', 'req-1:writer-agent:3']);
    expect(fourEvents.filter((id) => id.includes(':out'))).toEqual([1, 2, 3, 4].map((k) => `req-1:writer-agent:step1:out${k}`));
  });

  it('refuses a step that is not a number and a delta with a lone surrogate at the call', async () => {
    const { session } = setup();
    const writer = session.agent('writer');
    await expect(writer.output('1' as unknown as number, 'x')).rejects.toThrow('output step must be a number');
    await expect(writer.output(1, '\uD800')).rejects.toThrow('well-formed Unicode');
  });
});
