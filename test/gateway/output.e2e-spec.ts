import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { DEAD_LETTER_REASON_HEADER, type OutputMessage, type StateMessage } from '@app/contracts';
import { demoTokens, makePlan } from '../../apps/agents/src/demo/demo-plan';
import { http } from '../support/admin-http';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, demoContext, newRequestId, newUser, startAgents, startGateway } from '../support/gateway-harness';
import { buildApps, removeBuild, spawnGateway } from '../support/gateway-process';
import { expectGapFree, type StreamClient } from '../support/stream-client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Small, so that the limit is reached by a test; the same on both gateways (either may record). */
const OUTPUT_MAX_BYTES = 4096;

/**
 * What a client shows (docs/protocol.md §1): a step's `output` from its last
 * `state`, then the `delta` of every `output` message with a greater seq.
 */
class OutputView {
  text = '';
  seq = 0;
  constructor(private readonly step: number) {}

  showState(state: StateMessage): void {
    this.text = state.steps.find((s) => s.step === this.step)?.output ?? '';
    this.seq = state.seq;
  }

  append(messages: Array<{ type: string; seq: number }>): void {
    for (const m of messages) {
      if (m.seq <= this.seq) continue;
      if (m.type === 'output' && (m as OutputMessage).step === this.step) this.text += (m as OutputMessage).delta;
      this.seq = m.seq;
    }
  }
}

describe('streamed output (docs/protocol.md §1 output, state.steps[].output)', () => {
  let outDir: string;
  let gatewayA: INestApplication;
  let urlA: string;
  let other: Awaited<ReturnType<typeof spawnGateway>>;
  let agents: INestApplicationContext;
  let broker: TestBroker;

  beforeAll(async () => {
    outDir = buildApps();
    ({ app: gatewayA, url: urlA } = await startGateway({ OUTPUT_MAX_BYTES: String(OUTPUT_MAX_BYTES) }));
    other = await spawnGateway(outDir, { env: { OUTPUT_MAX_BYTES: String(OUTPUT_MAX_BYTES) } });
    agents = await startAgents();
    broker = await TestBroker.connect();
    await broker.drainDeadLetters();
  }, 90_000);
  afterAll(async () => {
    await broker?.close();
    await other?.stop();
    await closeAll(agents, gatewayA);
    removeBuild(outDir);
  });

  it('a client that reloads twice mid-stream, on either gateway, shows exactly what a client that never disconnected shows', async () => {
    const owner = newUser();
    const requestId = newRequestId();
    const tokens = demoTokens(makePlan('write a report', 1)[0], 150);
    const steady = await connectAs(urlA, owner);
    await steady.ack('start', { requestId, userQuery: 'write a report', context: demoContext({ steps: 1, streamAtStep: 1, streamTokens: 150, tokensPerSecond: 100 }) });

    // Reload 1: a fresh page on the other gateway, from the snapshot alone.
    await steady.waitFor('output', (m) => m.requestId === requestId);
    await sleep(300);
    const view = new OutputView(1);
    let page: StreamClient = await connectAs(other.url, owner, { requestId });
    const firstState: StateMessage = await page.waitFor('state', (m) => m.requestId === requestId);
    expect(firstState.steps[0]).toMatchObject({ agent: 'executor-agent', step: 1, status: 'running', output: expect.any(String) });
    expect(firstState.steps[0].output!.length).toBeGreaterThan(0);
    view.showState(firstState);
    await sleep(300);
    view.append(page.events(requestId));
    page.close();

    // Reload 2: back on the first gateway, with the last seq shown: the missed deltas come in state.events.
    await sleep(200);
    page = await connectAs(urlA, owner);
    const ack = await page.ack('rejoin', { requestId, lastSeq: view.seq });
    expect(ack).toMatchObject({ ok: true });
    const second: StateMessage = await page.waitFor('state', (m) => m.requestId === requestId);
    expect(second.events!.some((m) => m.type === 'output')).toBe(true);
    view.append(second.events!);
    await page.waitFor('request.completed', (m) => m.requestId === requestId, 15_000);
    view.append(page.events(requestId));
    page.close();

    await steady.waitFor('request.completed', (m) => m.requestId === requestId, 15_000);
    const steadyText = steady.events(requestId).filter((m): m is OutputMessage => m.type === 'output').map((m) => m.delta).join('');
    expectGapFree(steady.seqs(requestId));
    expect(steadyText).toBe(tokens.join(''));
    expect(view.text).toBe(steadyText);

    // The final snapshot, on either gateway and through the admin API, holds the whole text.
    const final = await connectAs(other.url, owner, { requestId });
    const finalState: StateMessage = await final.waitFor('state', (m) => m.requestId === requestId);
    expect(finalState.steps[0]).toMatchObject({ status: 'completed', output: steadyText });
    expect(finalState.steps[0]).not.toHaveProperty('outputTruncated');
    const admin = await http(urlA, `/admin/requests/${requestId}`);
    expect(admin.status).toBe(200);
    expect(admin.body.steps[0].output).toBe(steadyText);
    final.close();
    steady.close();
  }, 60_000);

  describe('deltas published by an agent', () => {
    let requestId: string;
    let watcher: StreamClient;
    const output = (delta: string, step = 1) => ({ type: 'writer.step.output', requestId, agent: 'writer', data: { stepOrder: step, delta } });

    beforeEach(async () => {
      requestId = newRequestId();
      watcher = await connectAs(urlA, newUser());
      expect(await watcher.ack('start', { requestId, userQuery: 'deltas' })).toMatchObject({ ok: true });
    });
    afterEach(() => watcher.close());

    it(`past OUTPUT_MAX_BYTES (${OUTPUT_MAX_BYTES}) the snapshot holds the longest prefix of whole characters and outputTruncated; every delta is still delivered and replayed`, async () => {
      // 4,093 bytes, then "ab" (4,095): the emoji (4 bytes) does not fit whole, and nothing after it is kept.
      const deltas = [...Array.from({ length: 4 }, (_, i) => `${i}`.repeat(1000)), `${'x'.repeat(93)}ab😀cd`, 'after the limit'];
      for (const delta of deltas) await broker.publishAgentEvent('writer.step.output', output(delta));
      // The demo agents run this request too (its start has no workflow): the writer's events are among theirs.
      await watcher.waitFor('output', (m) => m.requestId === requestId && m.delta === deltas.at(-1));
      const live = watcher.events(requestId).filter((m): m is OutputMessage => m.type === 'output');
      expect(live.map((m) => m.delta)).toEqual(deltas);
      expect(live[0]).toEqual({ type: 'output', requestId, seq: expect.any(Number), ts: expect.any(String), agent: 'writer', step: 1, delta: deltas[0] });

      expect(await watcher.ack('rejoin', { requestId, lastSeq: 0 })).toMatchObject({ ok: true });
      const state: StateMessage = await watcher.waitFor('state', (m) => m.requestId === requestId);
      const kept = `${deltas.slice(0, 4).join('')}${'x'.repeat(93)}ab`;
      expect(Buffer.byteLength(kept)).toBe(OUTPUT_MAX_BYTES - 1);
      expect(state.steps.filter((s) => s.agent === 'writer')).toEqual([{ agent: 'writer', step: 1, status: 'running', output: kept, outputTruncated: true }]);
      expect(state.events!.filter((m) => m.type === 'output').map((m) => (m as OutputMessage).delta)).toEqual(deltas);
    });

    it('a delta over 64 KiB of UTF-8, or with a lone surrogate, or without a step is dead-lettered with the reason; the stream goes on', async () => {
      await broker.publishAgentEvent('writer.step.output', output('x'.repeat(64 * 1024 + 1)));
      await broker.publishAgentEvent('writer.step.output', output('\uD83D'));
      await broker.publishAgentEvent('writer.step.output', { type: 'writer.step.output', requestId, agent: 'writer', data: { delta: 'no step' } });
      await broker.publishAgentEvent('writer.step.output', output('fine'));
      expect(await watcher.waitFor('output', (m) => m.requestId === requestId)).toMatchObject({ agent: 'writer', delta: 'fine' });
      let dead = await broker.drainDeadLetters();
      for (let i = 0; dead.length < 3 && i < 20; i++) {
        await sleep(100);
        dead = dead.concat(await broker.drainDeadLetters());
      }
      const reasons = dead.map((m) => String(m.properties.headers?.[DEAD_LETTER_REASON_HEADER]));
      expect(reasons).toEqual([
        expect.stringContaining('data.delta must be at most 65536 bytes of UTF-8'),
        expect.stringContaining('data.delta must be well-formed Unicode'),
        expect.stringContaining('data.stepOrder or data.step must be a number'),
      ]);
    });
  });
});
