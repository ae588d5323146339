/**
 * Ordered ingest shards (INGEST_SHARDS > 1): the live gateways share the
 * shards evenly, each shard recorded by one of them at a time, and the
 * shares move within seconds when a gateway joins or stops — with every
 * request's events recorded once and in the order its agent sent them.
 * Two gateways in this process, on the run's vhost (its broker has the
 * consistent-hash plugin enabled, as .ci/run does).
 */
import type { INestApplication } from '@nestjs/common';
import { Exchanges, Queues, REQUEST_ID_HEADER } from '@app/contracts';
import { IngestShards } from '../../apps/gateway/src/recording';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import { expectGapFree, type StreamClient } from '../support/stream-client';

const SHARDS = 4;
const REQUESTS = 24;
const STEPS = 12;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - started;
}

const heldBy = (app: INestApplication) => app.get(IngestShards).heldShards;
const recordedBy = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('agent_stream_events_recorded_total'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
};
const metric = async (url: string, name: string) => {
  const line = (await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
};
const fanoutPublished = async (url: string) => {
  const line = (await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith('agent_stream_fanout_messages_total{direction="published"}'));
  return Number(line?.split(' ').at(-1) ?? 0);
};

describe('ingest shards shared by the live gateways', () => {
  const env = { INGEST_SHARDS: String(SHARDS) };
  let a: { app: INestApplication; url: string };
  let b: { app: INestApplication; url: string } | undefined;
  let broker: TestBroker;
  let client: StreamClient;

  beforeAll(async () => {
    a = await startGateway(env);
    broker = await TestBroker.connect();
    client = await connectAs(a.url, newUser('shards'));
  }, 30_000);
  afterAll(async () => {
    client?.close();
    // This file plays the agents itself: the starts it sent must not run in a later file's agent worker.
    await broker?.channel.purgeQueue(Queues.agentStart);
    await broker?.close();
    await closeAll(b?.app, a?.app);
  });

  /** Starts requests on A (the client watches them) and plays their agents: STEPS progress events each, interleaved across requests. */
  async function runRequests(label: string, during?: (sent: number) => Promise<void>): Promise<string[]> {
    const ids = Array.from({ length: REQUESTS }, () => newRequestId(label));
    for (const requestId of ids) expect(await client.ack('start', { requestId, userQuery: label })).toMatchObject({ ok: true });
    for (let step = 1; step <= STEPS; step++) {
      for (const requestId of ids) {
        const body = { type: 'executor.step.progress', requestId, agent: 'executor-agent', eventId: `${requestId}:${step}`, data: { stepOrder: step, status: 'running' } };
        broker.sendAgentEvent('executor.step.progress', body, { [REQUEST_ID_HEADER]: requestId });
      }
      await broker.confirmed();
      await during?.(step);
      await sleep(20);
    }
    return ids;
  }

  /** Each request: seq 1..STEPS+1 gap-free, and its steps in the order sent — nothing lost, doubled or reordered. */
  async function expectRecordedInOrder(ids: string[]): Promise<void> {
    for (const requestId of ids) {
      await client.waitFor('progress', (m) => m.requestId === requestId && m.step === STEPS, 15_000);
      expectGapFree(client.seqs(requestId), STEPS + 1);
      expect(client.events(requestId).filter((m) => m.type === 'progress').map((m) => (m as { step: number }).step)).toEqual(
        Array.from({ length: STEPS }, (_, i) => i + 1),
      );
    }
  }

  it('alone, a gateway holds every shard and publishes no fan-out; the shard exchange hashes on x-request-id', async () => {
    expect(heldBy(a.app)).toEqual([0, 1, 2, 3]);
    expect(await metric(a.url, 'agent_stream_ingest_shards_held')).toBe(SHARDS);
    const ids = await runRequests('one-gateway');
    await expectRecordedInOrder(ids);
    // Nobody else could watch: the broker carried each event once, not twice.
    expect(await fanoutPublished(a.url)).toBe(0);
    // The exchange exists with the agreed type (a passive check fails on a wrong name).
    await expect(broker.channel.checkExchange(Exchanges.ingestShards)).resolves.toBeDefined();
  }, 60_000);

  it('a second gateway joins mid-stream: each ends with half of the shards, both record, every request in order', async () => {
    const before = await recordedBy(a.url);
    let joinedAfterMs = NaN;
    const ids = await runRequests('join', async (step) => {
      if (step !== 3) return;
      const joinedAt = Date.now();
      b = await startGateway(env);
      await until(() => heldBy(a.app).length === SHARDS / 2 && heldBy(b!.app).length === SHARDS / 2, 10_000, 'an even split');
      joinedAfterMs = Date.now() - joinedAt;
    });
    await expectRecordedInOrder(ids);
    const held = [...heldBy(a.app), ...heldBy(b!.app)].sort();
    expect(held).toEqual([0, 1, 2, 3]);
    expect(await metric(b!.url, 'agent_stream_ingest_shards_held')).toBe(SHARDS / 2);
    // Two gateways: each publishes what it records for the other's watchers.
    expect(await fanoutPublished(a.url)).toBeGreaterThan(0);
    expect(await fanoutPublished(b!.url)).toBeGreaterThan(0);
    // Both record: the events after the join are spread over the two gateways' shards.
    expect(await recordedBy(b!.url)).toBeGreaterThan(0);
    expect(await recordedBy(a.url)).toBeGreaterThan(before);
    console.log(`shards split evenly ${joinedAfterMs} ms after the second gateway started (including its start-up)`);
  }, 90_000);

  it('a gateway stops mid-stream: the survivor takes its shards within seconds, every request in order', async () => {
    let movedAfterMs = NaN;
    const ids = await runRequests('leave', async (step) => {
      if (step !== 4) return;
      const stoppingAt = Date.now();
      await b!.app.close();
      b = undefined;
      await until(() => heldBy(a.app).length === SHARDS, 10_000, 'the survivor to hold every shard');
      movedAfterMs = Date.now() - stoppingAt;
    });
    await expectRecordedInOrder(ids);
    expect(movedAfterMs).toBeLessThan(10_000);
    console.log(`the survivor held every shard ${movedAfterMs} ms after the other began to stop`);
  }, 90_000);
});
