/**
 * Faults 5 and 6, on the client's side of the gateway: a network that
 * vanishes without a close frame, and a client that stops reading.
 */
import type { Channel } from 'amqplib';
import { Exchanges } from '@app/contracts';
import { TestBroker } from '../support/broker';
import { demoContext, newRequestId, newUser } from '../support/gateway-harness';
import { expectExactlyOnce, figuresOf, reportFault } from './support/fault-report';
import { faultProcesses, rssOf, sleep, startMidRun } from './support/fault-fixture';
import { RecoveringClient } from './support/recovering-client';
import { TcpProxy } from './support/tcp-proxy';

const OUTAGE_MS = 3000;

describe('fault: the client side fails', () => {
  const processes = faultProcesses();
  beforeAll(async () => {
    await processes.worker();
  }, 30_000);

  it('a network drop without a close frame, mid-run: noticed by the heartbeat, recovered exactly once the network is back', async () => {
    // A short heartbeat (1 s + 1 s) so the test does not wait engine.io's default 45 s.
    const gateway = await processes.gateway({ env: { SOCKET_PING_INTERVAL_MS: '1000', SOCKET_PING_TIMEOUT_MS: '1000' } });
    const proxy = await TcpProxy.to(gateway.url);
    try {
      const client = await startMidRun([proxy.url], 'network-drop', { steps: 14, stepDelayMs: 200 });
      const cutAt = Date.now();
      proxy.cut();
      await client.until(() => client.connections[0].disconnectedAt !== undefined, 10_000, 'the drop to be noticed');
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
      proxy.restore();
      const restoredAt = Date.now();
      await client.waitForCompletion(30_000);
      const figures = await figuresOf(client, gateway.url);
      reportFault('client network drop without a close frame (3 s, heartbeat 1 s + 1 s)', {
        ...figures,
        noticedAfterMs: client.connections[0].disconnectedAt! - cutAt,
        caughtUpAfterNetworkBackMs: (client.recoveredAfter(restoredAt)?.caughtUpAt ?? NaN) - restoredAt,
      });
      expectExactlyOnce(figures);
      expect(client.connections.length).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a client that stops reading is dropped at its queue limit, memory stays bounded, others are unaffected; resumed, it loses nothing', async () => {
    const gateway = await processes.gateway();
    const owner = newUser();
    const requestId = newRequestId('slow-client');
    const fast = await RecoveringClient.connect([gateway.url], owner, requestId);
    const slow = await RecoveringClient.connect([gateway.url], owner, requestId);
    // The demo waits for an answer at step 1: the request stays open while the test floods it.
    expect(await fast.start('a flood for a slow reader', demoContext({ steps: 1, askAtStep: 1 }))).toMatchObject({ ok: true });
    await slow.until(() => slow.messages.some((m) => m.type === 'question'), 20_000, 'the question');
    const question = slow.messages.find((m) => m.type === 'question') as { questionId: string };

    slow.rawSocket().pause();
    const broker = await TestBroker.connect();
    const baselineRss = rssOf(gateway.child.pid!);
    let peakRss = baselineRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(gateway.child.pid!))), 100);
    const dropLine = () => gateway.output.find((line) => line.includes('dropping slow client'));
    const flooded = (client: RecoveringClient) => client.messages.filter((m) => 'agent' in m && m.agent === 'load-agent').length;
    let published = 0;
    try {
      // Paced at what the gateway records (each batch reaches the fast client before the next): the
      // slow client falls behind by what it does not read, not by a backlog in the ingest queue.
      for (let batch = 0; batch < 400 && !dropLine(); batch++) {
        published += await publishFlood(broker.channel, requestId, published, 50);
        await fast.until(() => flooded(fast) === published, 30_000, 'the fast client to keep up');
      }
    } finally {
      clearInterval(sampler);
      await broker.close();
    }
    expect(dropLine()).toBeDefined();
    const seqAtDrop = slow.lastSeq;

    slow.rawSocket().resume();
    const resumedAt = Date.now();
    await slow.until(() => slow.recoveredAfter(resumedAt) !== undefined, 30_000, 'the slow client to rejoin');
    const replay = slow.states.at(-1)!;
    expect(await fast.ack('feedback', { requestId, questionId: question.questionId, answer: 'go ahead' })).toEqual({ ok: true });
    await Promise.all([fast.waitForCompletion(), slow.waitForCompletion()]);

    const [fastFigures, slowFigures] = [await figuresOf(fast, gateway.url), await figuresOf(slow, gateway.url)];
    const fastLagMs = Math.max(...fast.messages.map((m, i) => fast.arrivedAt[i] - Date.parse(m.ts)));
    const queued = dropLine()!.match(/\((\d+) messages, (\d+) bytes queued\)/);
    reportFault('slow client (stops reading; dropped and rejoins)', {
      ...slowFigures,
      floodEvents: published,
      floodEventBytes: FLOOD_PAD + 100,
      droppedWithMessagesQueued: Number(queued?.[1]),
      droppedWithBytesQueued: Number(queued?.[2]),
      seqReadBeforeDrop: seqAtDrop,
      replayedOnRejoin: replay.events?.length ?? 0,
      replayTruncated: replay.truncated === true,
      gatewayRssGrowthMiB: Math.round((peakRss - baselineRss) / 1048576),
      otherWatcherLost: fastFigures.lost + fastFigures.duplicated + fastFigures.reordered,
      otherWatcherMaxLagMs: fastLagMs,
    });
    fast.close();
    slow.close();

    expectExactlyOnce(fastFigures);
    expectExactlyOnce(slowFigures);
    expect(replay.truncated).toBeUndefined();
    expect(Number(queued?.[1]) <= 501 || Number(queued?.[2]) <= 1024 * 1024 + FLOOD_PAD + 1000).toBe(true);
    expect(peakRss - baselineRss).toBeLessThan(256 * 1048576);
  }, 120_000);
});

const FLOOD_PAD = 2000;

/** Publishes `count` progress events of ~2 KB as an agent would, and waits for the broker's confirms. */
async function publishFlood(channel: Channel, requestId: string, from: number, count: number): Promise<number> {
  for (let i = from; i < from + count; i++) {
    const body = { type: 'load.step.progress', requestId, agent: 'load-agent', eventId: `load-${i}`, data: { status: 'running', step: i, pad: 'x'.repeat(FLOOD_PAD) } };
    channel.publish(Exchanges.agentEvents, body.type, Buffer.from(JSON.stringify(body)), { persistent: true });
  }
  await (channel as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
  return count;
}
