/**
 * Faults 3, 7 and 8: a gateway process dies (SIGKILL) or is stopped (SIGTERM)
 * mid-stream, and a crash falls between a batch's commit and its ack. The
 * file has a vhost of its own, so it knows which gateway holds the ingest
 * queue (single active consumer: the first one attached). Clients move to a
 * surviving instance, as behind a load balancer, and recover exactly.
 */
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import type { AppProcess } from '../support/gateway-process';
import { expectExactlyOnce, figuresOf, reportFault, type StreamFigures } from './support/fault-report';
import { faultProcesses, ownVhost, startMidRun } from './support/fault-fixture';
import type { RecoveringClient } from './support/recovering-client';

type Gateway = AppProcess & { url: string };

describe('fault: a gateway process dies mid-stream', () => {
  const vhost = ownVhost();
  const processes = faultProcesses(() => ({ env: { AMQP_URL: vhost.amqpUrl } }));
  let holder: Gateway;
  let other: Gateway;
  const newRun = (urls: string[], label: string, steps = 14) => startMidRun(urls, label, { steps, stepDelayMs: 200 });
  /** Timings after a fault, from the client's view and from the recorded `ts`. */
  const recovery = (client: RecoveringClient, faultAt: number) => ({
    clientCaughtUpAfterMs: (client.recoveredAfter(faultAt)?.caughtUpAt ?? NaN) - faultAt,
    recordingResumedAfterMs: Math.min(...client.messages.map((m) => Date.parse(m.ts)).filter((ts) => ts > faultAt)) - faultAt,
  });

  beforeAll(async () => {
    holder = await processes.gateway(); // first attached: the ingest queue's active consumer
    other = await processes.gateway();
    await processes.worker();
  }, 60_000);

  it('SIGKILL of the gateway holding the ingest consumer: clients move to the survivor, which records on', async () => {
    const client = await newRun([holder.url, other.url], 'kill-ingest-holder');
    const killedAt = Date.now();
    await holder.stop('SIGKILL');
    await client.waitForCompletion(30_000);
    const figures = await figuresOf(client, other.url);
    reportFault('SIGKILL of the gateway holding the ingest consumer', { ...figures, ...recovery(client, killedAt) });
    expectExactlyOnce(figures);
    expect(client.connections.at(-1)?.url).toBe(other.url);
    holder = other; // the survivor took the ingest queue over
  }, 60_000);

  it('SIGKILL of a gateway not holding the ingest consumer: its clients move and recover exactly', async () => {
    other = await processes.gateway();
    const client = await newRun([other.url, holder.url], 'kill-other-gateway');
    const killedAt = Date.now();
    await other.stop('SIGKILL');
    await client.waitForCompletion(30_000);
    const figures = await figuresOf(client, holder.url);
    reportFault('SIGKILL of a gateway not holding the ingest consumer', { ...figures, ...recovery(client, killedAt) });
    expectExactlyOnce(figures);
    expect(client.connections.at(-1)?.url).toBe(holder.url);
  }, 60_000);

  it('a crash between a batch commit and its ack: the redelivered batch is recorded once and delivered once', async () => {
    const second = await processes.gateway();
    const gateways = [holder, second];
    // Long enough that events are still being recorded once rabbitmqctl has changed the permissions (seconds on a busy box).
    const client = await newRun(gateways.map((g) => g.url), 'commit-then-crash', 40);
    const { requestId } = client;
    const database = new Client({ connectionString: process.env.DATABASE_URL });
    await database.connect();
    try {
      const rows = async () => (await database.query('SELECT count(*)::int AS n FROM request_events WHERE request_id = $1', [requestId])).rows[0].n as number;
      // Whichever gateway holds the ingest queue may commit but not publish to the fan-out, so it cannot ack:
      // what it commits from then on stays unacked, its fan-out retried every second (its own watchers may
      // have the events already: they are served in process). RabbitMQ checks the new permissions on new
      // channels: every connection of the vhost is closed, and all reconnect at once.
      const stuckLine = (g: Gateway) => g.output.some((line) => line.includes('fan-out of a recorded batch') && line.includes('failed'));
      setFanOutWritable(vhost.name, false);
      execFileSync('rabbitmqctl', ['-q', 'close_all_connections', '--vhost', vhost.name, 'fault test: commit without ack'], { stdio: 'ignore' });
      const rowsWhenBlocked = await rows();
      // Stuck, with events of this request committed since the fan-out was blocked.
      const deadline = Date.now() + 20_000;
      while (!(gateways.some(stuckLine) && (await rows()) > rowsWhenBlocked) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const stuck = gateways.find(stuckLine);
      expect(stuck).toBeDefined();
      const committedUnacked = (await rows()) - rowsWhenBlocked;
      expect(committedUnacked).toBeGreaterThan(0);
      const killedAt = Date.now();
      await stuck!.stop('SIGKILL');
      setFanOutWritable(vhost.name, true);
      const survivor = gateways.find((g) => g !== stuck)!;

      await client.waitForCompletion(30_000);
      const figures: StreamFigures = await figuresOf(client, survivor.url);
      const log = (
        await database.query(
          'SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS ids, max(seq)::int AS last FROM request_events WHERE request_id = $1',
          [requestId],
        )
      ).rows[0];
      reportFault('crash between commit and ack (batch redelivered to another gateway)', {
        ...figures,
        committedUnackedAtCrash: committedUnacked,
        logRows: log.rows,
        logDistinctEventIds: log.ids,
        ...recovery(client, killedAt),
      });
      expectExactlyOnce(figures);
      expect(log).toEqual({ rows: figures.lastSeq, ids: figures.lastSeq, last: figures.lastSeq });
      holder = survivor;
    } finally {
      setFanOutWritable(vhost.name, true);
      await database.end();
    }
  }, 60_000);

  it('SIGTERM mid-stream: the gateway shuts down in order, its clients recover on another instance exactly', async () => {
    const next = await processes.gateway();
    const client = await newRun([holder.url, next.url], 'sigterm-gateway');
    const stoppingAt = Date.now();
    await holder.stop('SIGTERM');
    const exitedAfterMs = Date.now() - stoppingAt;
    await client.waitForCompletion(30_000);
    const figures = await figuresOf(client, next.url);
    reportFault('SIGTERM of the gateway holding the ingest consumer (graceful shutdown)', {
      ...figures,
      exitedAfterMs,
      ...recovery(client, stoppingAt),
    });
    expectExactlyOnce(figures);
    // Nest re-raises the signal once its shutdown hooks ran: a clean exit is "by SIGTERM", not a crash.
    expect({ code: holder.child.exitCode, signal: holder.child.signalCode }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(client.connections.at(-1)?.url).toBe(next.url);
  }, 60_000);
});

/** Grants or denies publishing to the fan-out exchange (`websocket.recorded.buckets`) on the file's vhost; everything else stays allowed. */
function setFanOutWritable(vhost: string, writable: boolean): void {
  const write = writable ? '.*' : '^(?!websocket\\.recorded\\.buckets$).*';
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', write, '.*'], { stdio: 'ignore' });
}
