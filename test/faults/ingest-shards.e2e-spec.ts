/**
 * Faults with ingest shards (INGEST_SHARDS > 1), on real processes: a
 * gateway holding shards is killed mid-stream, a third gateway starts
 * mid-stream, the broker restarts. Each time runs are in progress with
 * recovering clients on every gateway; each must see every event once, in
 * order, and one `request.completed`; the shard moves are timed (from the
 * gateways' `agent_stream_ingest_shards_held`).
 */
import type { AppProcess } from '../support/gateway-process';
import { expectExactlyOnce, figuresOf, reportFault } from './support/fault-report';
import { faultProcesses, ownVhost, privateService, sleep, startMidRun } from './support/fault-fixture';
import { PrivateRabbitMq } from './support/private-rabbitmq';
import type { RecoveringClient } from './support/recovering-client';

type Gateway = AppProcess & { url: string };

async function shardsHeld(gateway: Gateway): Promise<number> {
  const text = await fetch(`${gateway.url}/metrics`).then((r) => r.text(), () => '');
  const line = text.split('\n').find((l) => l.startsWith('agent_stream_ingest_shards_held '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

/** Waits until the gateways hold these shard counts (in order); returns how long that took. */
async function untilShares(gateways: Gateway[], expected: number[], timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const held = await Promise.all(gateways.map(shardsHeld));
    if (held.every((n, i) => n === expected[i])) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`shards held ${JSON.stringify(held)}, expected ${JSON.stringify(expected)}`);
    await sleep(50);
  }
}

/** Runs started mid-stream, one client per gateway (each listing the others to move to). */
function runsOn(gateways: Gateway[], label: string): Promise<RecoveringClient[]> {
  const urls = gateways.map((g) => g.url);
  return Promise.all(urls.map((_, i) => startMidRun([...urls.slice(i), ...urls.slice(0, i)], `${label}-${i}`, { steps: 14, stepDelayMs: 200 })));
}

async function expectAllExactlyOnce(clients: RecoveringClient[], survivor: Gateway, fault: string, timings: Record<string, number>): Promise<void> {
  await Promise.all(clients.map((c) => c.waitForCompletion(40_000)));
  for (const client of clients) {
    const figures = await figuresOf(client, survivor.url);
    reportFault(fault, { ...figures, ...timings });
    expectExactlyOnce(figures);
  }
}

describe('fault: gateways come and go while they share ingest shards', () => {
  const vhost = ownVhost();
  const processes = faultProcesses(() => ({ env: { AMQP_URL: vhost.amqpUrl, INGEST_SHARDS: '6' } }));
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    a = await processes.gateway();
    b = await processes.gateway();
    await processes.worker();
    await untilShares([a, b], [3, 3]);
  }, 60_000);

  it('SIGKILL of a gateway holding shards mid-stream: the survivor takes them within seconds; every client recovers exactly', async () => {
    const clients = await runsOn([a, b], 'kill-shard-holder');
    const killedAt = Date.now();
    await a.stop('SIGKILL');
    await untilShares([b], [6]);
    const shardsMovedAfterMs = Date.now() - killedAt;
    await expectAllExactlyOnce(clients, b, 'SIGKILL of a gateway holding 3 of 6 ingest shards', { shardsMovedAfterMs });
  }, 90_000);

  it('a third gateway starts mid-stream: the shards spread 2/2/2 within seconds; clients on every gateway recover exactly', async () => {
    a = await processes.gateway();
    await untilShares([b, a], [3, 3]);
    const clients = await runsOn([b, a], 'third-gateway');
    const startingAt = Date.now();
    const c = await processes.gateway();
    const startedAfterMs = Date.now() - startingAt;
    await untilShares([b, a, c], [2, 2, 2]);
    const spreadAfterMs = Date.now() - startingAt;
    // A run watched on the newcomer too, begun while the shards were moving.
    clients.push(...(await runsOn([c, b, a], 'on-the-newcomer')).slice(0, 1));
    await expectAllExactlyOnce(clients, c, 'a third gateway joins two that share 6 ingest shards', { gatewayStartedAfterMs: startedAfterMs, shardsSpreadAfterMs: spreadAfterMs });
  }, 90_000);
});

describe('fault: the broker restarts while two gateways share ingest shards', () => {
  const broker = privateService(() => PrivateRabbitMq.start(['rabbitmq_consistent_hash_exchange']));
  const processes = faultProcesses(() => ({ env: { AMQP_URL: broker.it.url, INGEST_SHARDS: '4' } }));

  it('every consumer re-attaches, the shards stay shared 2/2, every client on either gateway recovers exactly', async () => {
    const gateways = [await processes.gateway(), await processes.gateway()];
    await processes.worker();
    await untilShares(gateways, [2, 2]);
    const clients = await runsOn(gateways, 'broker-restart-shards');
    const stoppedAt = Date.now();
    broker.it.stop();
    await sleep(2000);
    await broker.it.boot();
    const backAt = Date.now();
    await untilShares(gateways, [2, 2], 30_000);
    await expectAllExactlyOnce(clients, gateways[0], 'broker restart with 4 ingest shards over 2 gateways', { outageMs: backAt - stoppedAt, sharedAgainAfterBrokerBackMs: Date.now() - backAt });
  }, 120_000);
});
