import { once } from 'node:events';
import amqp from 'amqplib';
import { Exchanges, REQUEST_ID_HEADER } from '@app/contracts';
import { wallNow, CpuMeter, ownCpuSeconds } from '../common';
import { OrchestratorLink } from './orchestrator-link';
import { outputStamp } from './output-stamp';
import { pace } from './pacer';
import type { FromPublisher, PublishPlan, ToPublisher } from './protocol';

/**
 * Plays the agents: publishes progress events to `agent.events` exactly as
 * docs/protocol.md §2 says (routing key = type, persistent, JSON), paced at the
 * plan's rate, round-robin over the requests. `data.n` counts each
 * request's events from 1 and `data.sentAt` is the publish time: the
 * watchers check order and loss with the first and measure latency with the
 * second.
 *
 * Publisher confirms are on, as the agent kit publishes: they cost the
 * broker what they cost a real agent, and a nack tells a broker-side loss
 * from a server-side one. They are not awaited per message (that would cap
 * the rate at one round trip per event); the count is checked at the end.
 */
const TYPE = 'executor.step.progress';
const OUTPUT_TYPE = 'writer.step.output';
const link = new OrchestratorLink<ToPublisher, FromPublisher>();

link.run(async () => {
  const { plan } = await link.next('plan');
  // noDelay: with Nagle on, small messages wait up to ~40 ms for company (STACK-NOTES).
  const connection = await amqp.connect(plan.amqpUrl, { noDelay: true });
  connection.on('error', () => undefined); // reported through the failed publish or confirm
  const channel = await connection.createConfirmChannel();
  link.send({ kind: 'ready' });
  await link.next('go');

  const cpu = new CpuMeter(ownCpuSeconds);
  const startedAt = wallNow();
  let nacked = 0;
  const onConfirm = (error: unknown) => {
    if (error) nacked++;
  };
  const requests = plan.requestIds.length;
  const { maxBehindMs } = await pace(
    requests * plan.eventsPerRequest,
    plan.rate,
    (index) => {
      const event = eventAt(plan, index);
      // The header the agent kit sets: with ingest shards, it keeps a request on one shard.
      return channel.publish(Exchanges.agentEvents, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, headers: { [REQUEST_ID_HEADER]: event.requestId } }, onConfirm);
    },
    () => once(channel, 'drain').then(() => undefined),
  );
  const endedAt = wallNow();
  await channel.waitForConfirms().catch(() => undefined); // nacks are counted by onConfirm
  const report = { published: requests * plan.eventsPerRequest, nacked, startedAt, endedAt, maxBehindMs, cpuPercent: cpu.percent() };
  await connection.close().catch(() => undefined);
  link.send({ kind: 'done', report });
});

/** Event `index` of the run: request index % R, its counter n = index / R + 1. */
function eventAt(plan: PublishPlan, index: number) {
  const requests = plan.requestIds.length;
  const requestId = plan.requestIds[index % requests];
  const n = Math.floor(index / requests) + 1;
  if (plan.events === 'output') {
    // One streaming step per request: its text grows by a token per event.
    return { type: OUTPUT_TYPE, requestId, agent: 'writer-agent', eventId: `${requestId}.${n}`, data: { stepOrder: 1, delta: outputStamp(n, wallNow()) } };
  }
  const stepOrder = plan.steps > 0 ? ((n - 1) % plan.steps) + 1 : n;
  return {
    type: TYPE,
    requestId,
    agent: 'executor-agent',
    eventId: `${requestId}.${n}`, // unique across requests too: dedup may be global
    data: { stepOrder, status: 'running', n, sentAt: wallNow() },
  };
}
