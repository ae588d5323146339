/**
 * @OnRequestEvent on real RabbitMQ and Postgres: each hook its own durable
 * queue, once per hook in the cluster, retried then dead-lettered without
 * touching delivery to sockets, and durable while no gateway runs.
 */
import { randomUUID } from 'node:crypto';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { DEAD_LETTER_REASON_HEADER, Queues, type RecordedMessage, type RequestCompletedMessage } from '@app/contracts';
import { FAILED_ATTEMPTS_HEADER } from '@app/messaging';
import { OnRequestEvent, type RequestEventContext } from '@app/gateway';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import { expectGapFree, type StreamClient } from '../support/stream-client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(read: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

interface Handled {
  instance: string;
  message: RecordedMessage;
  owner: string;
  attempt: number;
  at: number;
}

/** Every hook of this file writes here; each app has its own instance of the hook classes. */
const handled: Handled[] = [];
const record = (instance: string, message: RecordedMessage, context: RequestEventContext) =>
  handled.push({ instance, message, owner: context.owner, attempt: context.attempt, at: Date.now() });
const handledFor = (requestId: string) => handled.filter((h) => h.message.requestId === requestId);

@Injectable()
class CompletedHook {
  readonly instance = randomUUID();

  @OnRequestEvent('request.completed')
  onCompleted(message: RequestCompletedMessage, context: RequestEventContext): void {
    record(this.instance, message, context);
  }
}
@Module({ providers: [CompletedHook] })
class CompletedHookModule {}

/** Throws for requests whose id says so: the queue's policy retries, then dead-letters. */
@Injectable()
class FailingHook {
  @OnRequestEvent(['progress', 'request.completed'], { retry: { attempts: 3, initialDelayMs: 300, factor: 2 } })
  onEvent(message: RecordedMessage, context: RequestEventContext): void {
    record('failing', message, context);
    if (message.requestId.startsWith('hook-throws')) throw new Error(`cannot handle seq ${message.seq}`);
  }
}
@Module({ providers: [FailingHook] })
class FailingHookModule {}

/** While set, new GatedHook instances hold their messages unacked forever: a gateway stopped mid-way leaves them in the queue. */
let holding = false;
@Injectable()
class GatedHook {
  private readonly holds = holding;

  @OnRequestEvent('*', { ordered: true })
  async onEvent(message: RecordedMessage, context: RequestEventContext): Promise<void> {
    if (this.holds) await new Promise(() => undefined);
    record('gated', message, context);
  }
}
@Module({ providers: [GatedHook] })
class GatedHookModule {}

describe('@OnRequestEvent hooks', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await TestBroker.connect();
  });
  afterAll(async () => {
    // No agent worker runs here: the starts stay queued, so clear them for the files after this one.
    await broker.channel.purgeQueue(Queues.agentStart);
    await broker.close();
  });

  /** Starts a request as `client`'s user and ends it as an agent would, with one progress event first. */
  async function runRequest(client: StreamClient, requestId: string): Promise<void> {
    expect(await client.ack('start', { requestId, userQuery: 'hooked' })).toMatchObject({ ok: true });
    await broker.publishAgentEvent('executor.step.progress', { type: 'executor.step.progress', requestId, agent: 'executor-agent', eventId: `${requestId}:1`, data: { stepOrder: 1, status: 'running' } });
    await broker.publishAgentEvent('request.completed', { type: 'request.completed', requestId, agent: 'executor-agent', eventId: `${requestId}:end`, data: { status: 'completed', result: { ok: 1 } } });
  }

  describe('on two gateway instances', () => {
    let gateways: INestApplication[] = [];
    let client: StreamClient;
    const user = newUser('hooks');
    beforeAll(async () => {
      const a = await startGateway({}, { imports: [CompletedHookModule] });
      const b = await startGateway({}, { imports: [CompletedHookModule] });
      gateways = [a.app, b.app];
      client = await connectAs(a.url, user);
    });
    afterAll(async () => {
      client?.close();
      await closeAll(...gateways);
    });

    it('a hook sees every completed request once, as a socket saw it, with its owner', async () => {
      const requestIds = Array.from({ length: 12 }, () => newRequestId('hook-once'));
      for (const requestId of requestIds) await runRequest(client, requestId);
      await until(() => requestIds.every((id) => handledFor(id).length > 0), 'every request at the hook');
      await sleep(500); // a second copy would arrive by now
      for (const requestId of requestIds) {
        const copies = handledFor(requestId);
        expect(copies).toHaveLength(1);
        const atSocket = await client.waitFor('request.completed', (m) => m.requestId === requestId);
        expect(copies[0].message).toEqual(atSocket);
        expect(copies[0]).toMatchObject({ owner: user, attempt: 1 });
      }
    });
  });

  describe('a hook that throws', () => {
    let gateway: INestApplication;
    let client: StreamClient;
    beforeAll(async () => {
      const started = await startGateway({}, { imports: [FailingHookModule] });
      gateway = started.app;
      client = await connectAs(started.url, newUser('failing'));
    });
    afterAll(async () => {
      client?.close();
      await closeAll(gateway);
    });

    it('is retried with backoff, then dead-lettered with its reason, while sockets get every event at once', async () => {
      const queue = 'hooks.FailingHookModule.FailingHook.onEvent';
      await broker.channel.purgeQueue(`${queue}.dead`);
      const requestId = newRequestId('hook-throws');
      const startedAt = Date.now();
      await runRequest(client, requestId);
      // Delivery does not wait for the hook: the whole stream arrives while the hook is still failing.
      await client.waitFor('request.completed', (m) => m.requestId === requestId);
      expect(Date.now() - startedAt).toBeLessThan(1000);
      expectGapFree(client.seqs(requestId));
      expect(client.events(requestId).map((m) => m.type)).toEqual(['status', 'progress', 'request.completed']);

      await until(() => handledFor(requestId).length >= 6, 'three attempts per event');
      const deadLetters = [];
      const deadline = Date.now() + 5000;
      while (deadLetters.length < 2 && Date.now() < deadline) {
        const message = await broker.channel.get(`${queue}.dead`, { noAck: true });
        if (message) deadLetters.push(message);
        else await sleep(50);
      }
      expect(deadLetters).toHaveLength(2);
      for (const type of ['progress', 'request.completed']) {
        const attempts = handledFor(requestId).filter((h) => h.message.type === type);
        expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
        // 300 ms, then 600 ms: backoff, not a hot loop.
        expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(250);
        expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(550);
      }
      const reasons = deadLetters.map((m) => String(m.properties.headers?.[DEAD_LETTER_REASON_HEADER])).sort();
      expect(reasons).toEqual([
        expect.stringMatching(/^handler failed 3 time\(s\), last: cannot handle seq 2$/),
        expect.stringMatching(/^handler failed 3 time\(s\), last: cannot handle seq 3$/),
      ]);
      expect(deadLetters.map((m) => m.properties.headers?.[FAILED_ATTEMPTS_HEADER])).toEqual([3, 3]);
      expect(JSON.parse(deadLetters[0].content.toString())).toMatchObject({ owner: expect.any(String), message: { requestId } });
      await sleep(1000);
      expect(handledFor(requestId)).toHaveLength(6); // dead-lettered once: no more attempts
    });

    it('other requests go on meanwhile', async () => {
      const requestId = newRequestId('hook-fine');
      await runRequest(client, requestId);
      await until(() => handledFor(requestId).length === 2, 'both events at the hook');
      expect(handledFor(requestId).map((h) => [h.message.type, h.attempt])).toEqual([['progress', 1], ['request.completed', 1]]);
    });
  });

  it("a hook's events wait in its durable queue while no gateway runs, and arrive, in order, after", async () => {
    const queue = 'hooks.GatedHookModule.GatedHook.onEvent';
    holding = true;
    const first = await startGateway({}, { imports: [GatedHookModule] });
    const client = await connectAs(first.url, newUser('gated'));
    const requestId = newRequestId('hook-waits');
    await runRequest(client, requestId);
    await client.waitFor('request.completed', (m) => m.requestId === requestId);
    client.close();
    await closeAll(first.app);

    // Nothing consumes the hook's queue now; what the gateway had not finished went back to it.
    const { messageCount, consumerCount } = await broker.channel.checkQueue(queue);
    expect(consumerCount).toBe(0);
    expect(messageCount).toBe(3);
    expect(handledFor(requestId)).toHaveLength(0);

    holding = false;
    const second = await startGateway({}, { imports: [GatedHookModule] });
    try {
      await until(() => handledFor(requestId).length === 3, 'the waiting events');
      expect(handledFor(requestId).map((h) => [h.message.seq, h.message.type])).toEqual([
        [1, 'status'],
        [2, 'progress'],
        [3, 'request.completed'],
      ]);
    } finally {
      await closeAll(second.app);
    }
  });
});
