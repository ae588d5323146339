import type { Server, Socket } from 'socket.io';
import { Exchanges, fanoutBucketOf, type RecordedMessage } from '@app/contracts';
import type { BrokerConsumer, ConsumerSpec, DeliveryHandler } from '@app/messaging';
import type { RequestStore } from '@app/persistence';
import type { GatewayMetrics } from '../metrics';
import type { RecordedEventsPublisher } from '../recording';
import { ORIGIN_HEADER } from '../recording/recorded-events.publisher';
import { roomOf } from './delivery-ports';
import { LiveDelivery } from './live-delivery';

const REQUEST_ID = 'req-bucketed';
const BUCKET = fanoutBucketOf(REQUEST_ID);
const recorded = (seq: number, requestId = REQUEST_ID): RecordedMessage =>
  seq === 1
    ? { type: 'status', requestId, seq, ts: new Date().toISOString(), status: 'queued', owner: 'alice' }
    : { type: 'progress', requestId, seq, ts: new Date().toISOString(), agent: 'a', step: seq, status: 'running', data: {} };
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A promise resolved from outside: a broker call that has not answered yet. */
function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function setup() {
  const rooms = new Map<string, Set<FakeSocket>>();
  class FakeSocket {
    connected = true;
    readonly rooms = new Set<string>();
    readonly seqs: number[] = [];
    constructor(readonly id: string) {}
    emit(_event: string, message: { seq?: number }) {
      if (typeof message.seq === 'number') this.seqs.push(message.seq);
    }
    join(room: string) {
      this.rooms.add(room);
      if (!rooms.has(room)) rooms.set(room, new Set());
      rooms.get(room)!.add(this);
    }
    leave(room: string) {
      this.rooms.delete(room);
      rooms.get(room)?.delete(this);
    }
  }
  const server = {
    to: (room: string) => ({ emit: (event: string, message: RecordedMessage) => rooms.get(room)?.forEach((s) => s.emit(event, message)) }),
    sockets: { adapter: { rooms } },
  } as unknown as Server;

  const binds: Array<{ bucket: string; answer: ReturnType<typeof deferred> }> = [];
  const unbinds: string[] = [];
  const channel = {
    bindQueue: (_queue: string, exchange: string, bucket: string) => {
      expect(exchange).toBe(Exchanges.recordedByBucket);
      const answer = deferred();
      binds.push({ bucket, answer });
      return answer.promise;
    },
    unbindQueue: async (_queue: string, _exchange: string, bucket: string) => void unbinds.push(bucket),
    ack: () => undefined,
  };
  let spec: ConsumerSpec | undefined;
  let handler: DeliveryHandler = () => undefined;
  const consumer = {
    consume: async (s: ConsumerSpec, h: DeliveryHandler) => {
      spec = s;
      handler = h;
      return { close: async () => undefined };
    },
  } as unknown as BrokerConsumer;
  const log: RecordedMessage[] = [];
  const store = {
    listEvents: async (requestId: string, afterSeq: number, limit: number) => log.filter((e) => e.requestId === requestId && e.seq > afterSeq).slice(0, limit),
  } as unknown as RequestStore;
  const publisher = { origin: 'this-instance', onLocal: () => undefined } as unknown as RecordedEventsPublisher;
  const fanout = { received: 0, watched: 0 };
  const metrics = {
    fanoutMessage: () => undefined,
    fanoutReceivedEvents: (received: number, watched: number) => ((fanout.received += received), (fanout.watched += watched)),
    broadcast: () => undefined,
  } as unknown as GatewayMetrics;

  const delivery = new LiveDelivery(consumer, store, publisher, metrics);
  delivery.attach(server, () => undefined);
  return {
    delivery,
    log,
    binds,
    unbinds,
    fanout,
    socket: (id: string) => new FakeSocket(id) as FakeSocket & Socket,
    async attach() {
      await delivery.onApplicationBootstrap();
      await spec!.onAttached!({ queue: 'fanout-q', channel: channel as never, consumerTags: [] });
    },
    /** A fan-out message from another instance (or this one, by origin). */
    fanOut(events: RecordedMessage[], origin = 'other-instance') {
      const message = { content: Buffer.from(JSON.stringify({ events })), properties: { headers: { [ORIGIN_HEADER]: origin } } };
      handler(message as never, channel as never);
    },
  };
}

describe('LiveDelivery: fan-out only where the watchers are', () => {
  it('binds a request bucket when the first socket watches it, and unbinds it when the last one leaves', async () => {
    const { delivery, binds, unbinds, socket, attach } = setup();
    await attach();
    expect(binds).toEqual([]); // nothing watched: bound to nothing, receives nothing
    const [a, b] = [socket('a'), socket('b')];
    delivery.beginSync(a, REQUEST_ID);
    delivery.beginSync(b, REQUEST_ID);
    expect(binds.map((x) => x.bucket)).toEqual([BUCKET]); // once for the bucket, not per socket
    delivery.completeSync(a, REQUEST_ID, 0);
    delivery.completeSync(b, REQUEST_ID, 0);
    delivery.stopWatching(a, REQUEST_ID);
    expect(unbinds).toEqual([]);
    delivery.stopWatching(b, REQUEST_ID);
    expect(unbinds).toEqual([BUCKET]);
  });

  it('a watch whose snapshot was read before its binding was in place gets what was recorded in between, from the log', async () => {
    const { delivery, log, binds, socket, attach, fanOut } = setup();
    await attach();
    log.push(recorded(1), recorded(2));
    const s = socket('s');
    delivery.beginSync(s, REQUEST_ID);
    delivery.completeSync(s, REQUEST_ID, 2); // its state: up to seq 2
    log.push(recorded(3)); // recorded elsewhere, fanned out before this queue was bound: never arrives here
    binds[0].answer.resolve();
    await settle();
    expect(s.seqs).toEqual([3]);
    fanOut([recorded(4)]);
    expect(s.seqs).toEqual([3, 4]);
  });

  it('the same when the binding completes before the snapshot is sent', async () => {
    const { delivery, log, binds, socket, attach } = setup();
    await attach();
    log.push(recorded(1));
    const s = socket('s');
    delivery.beginSync(s, REQUEST_ID); // its snapshot is read now: seq 1
    log.push(recorded(2)); // recorded elsewhere before the binding: not fanned out here
    binds[0].answer.resolve();
    await settle();
    expect(s.seqs).toEqual([]);
    delivery.completeSync(s, REQUEST_ID, 1);
    await settle();
    expect(s.seqs).toEqual([2]); // with no later event to reveal the gap
  });

  it('counts the events other instances sent, and how many of them were watched here; skips its own', async () => {
    const { delivery, binds, socket, attach, fanOut, fanout } = setup();
    await attach();
    const s = socket('s');
    delivery.beginSync(s, REQUEST_ID);
    binds[0].answer.resolve();
    delivery.completeSync(s, REQUEST_ID, 0);
    await settle();
    fanOut([recorded(1), recorded(2), recorded(5, 'req-sharing-nothing')]);
    fanOut([recorded(3)], 'this-instance'); // our own recorder's copy: delivered in process already
    expect(fanout).toEqual({ received: 3, watched: 2 });
    expect(s.seqs).toEqual([1, 2]);
    expect(s.rooms.has(roomOf(REQUEST_ID))).toBe(true);
  });
});
