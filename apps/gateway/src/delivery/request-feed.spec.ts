import type { RecordedMessage, StateMessage } from '@app/contracts';
import { roomOf, type EventLogReader, type RoomBroadcaster, type WatcherSocket } from './delivery-ports';
import { GAP_REPAIR_DELAY_MS, RequestFeed } from './request-feed';

const REQUEST_ID = 'req-123';
const ROOM = roomOf(REQUEST_ID);
const OWNER = 'alice';

/** The recorded log of one request: seq 1 is `queued` with its owner, then progress. */
function recorded(seq: number, owner = OWNER): RecordedMessage {
  const envelope = { requestId: REQUEST_ID, seq, ts: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, seq)).toISOString() };
  if (seq === 1) return { type: 'status', ...envelope, status: 'queued', owner };
  return { type: 'progress', ...envelope, agent: 'executor-agent', step: seq, status: 'running', data: { stepOrder: seq, status: 'running' } };
}
const events = (...seqs: number[]) => seqs.map((seq) => recorded(seq));
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** What Socket.IO would do with the room broadcasts on this instance: deliver to the sockets in the room. */
class FakeRoomBroadcaster implements RoomBroadcaster {
  readonly sockets: FakeSocket[] = [];
  readonly broadcasts = new Map<string, number[]>();

  broadcast(room: string, message: RecordedMessage): void {
    this.broadcasts.set(room, [...(this.broadcasts.get(room) ?? []), message.seq]);
    for (const socket of this.sockets) if (socket.rooms.has(room)) socket.emit(message.type, message);
  }
}

class FakeSocket implements WatcherSocket {
  connected = true;
  readonly rooms = new Set<string>();
  readonly received: Array<{ event: string; message: { seq?: number } }> = [];
  /** Every join and leave, in order, to tell when the socket joined. */
  readonly membership: string[] = [];

  constructor(
    readonly id: string,
    io: FakeRoomBroadcaster,
  ) {
    io.sockets.push(this);
  }

  emit(event: string, message: unknown): void {
    this.received.push({ event, message: message as { seq?: number } });
  }

  join(room: string): void {
    this.membership.push(`join ${room}`);
    this.rooms.add(room);
  }

  leave(room: string): void {
    this.membership.push(`leave ${room}`);
    this.rooms.delete(room);
  }

  get inRoom(): boolean {
    return this.rooms.has(ROOM);
  }

  get joins(): number {
    return this.membership.filter((m) => m === `join ${ROOM}`).length;
  }

  /** Seqs of the live messages (everything but `state`). */
  get live(): number[] {
    return this.received.filter((r) => r.event !== 'state').map((r) => r.message.seq as number);
  }

  /**
   * Every seq the client has seen, in the order it saw them: `1..state.seq`
   * through the snapshot, then each live message. A client must see 1..N,
   * each once, in order (docs/protocol.md §1 "seq").
   */
  get seen(): number[] {
    const seen: number[] = [];
    for (const { event, message } of this.received) {
      if (event === 'state') {
        if (seen.length > 0) throw new Error(`state after live messages ${seen.join(',')}`);
        seen.push(...range(1, message.seq as number));
      } else {
        seen.push(message.seq as number);
      }
    }
    return seen;
  }
}

/** The Postgres log, as `listEvents` reads it. */
class FakeLog implements EventLogReader {
  readonly rows: RecordedMessage[] = [];
  readonly reads: Array<{ afterSeq: number; limit: number }> = [];

  record(...seqs: number[]): RecordedMessage[] {
    const added = events(...seqs);
    this.rows.push(...added);
    return added;
  }

  async listEvents(requestId: string, afterSeq: number, limit: number): Promise<RecordedMessage[]> {
    this.reads.push({ afterSeq, limit });
    return this.rows.filter((e) => e.requestId === requestId && e.seq > afterSeq).slice(0, limit);
  }
}

function setup() {
  const io = new FakeRoomBroadcaster();
  const log = new FakeLog();
  const refused: WatcherSocket[] = [];
  const feed = new RequestFeed(REQUEST_ID, io, log, (socket) => refused.push(socket));
  const socket = (id: string) => new FakeSocket(id, io);
  /** The `start` flow: joins before seq 1 is recorded, no `state`. */
  const starter = (id = 'starter') => {
    const s = socket(id);
    feed.beginSync(s);
    feed.completeSync(s, 0);
    return s;
  };
  /** The handshake / `rejoin` flow: `state` with `seq = floor`, sent just before the buffer is flushed. */
  const completeWithState = (s: FakeSocket, floor: number, mayAccess?: (owner: string) => boolean) => {
    const state: StateMessage = { type: 'state', requestId: REQUEST_ID, seq: floor, status: floor === 0 ? 'unknown' : 'running', agents: [], steps: [], pendingQuestions: [] };
    feed.completeSync(s, floor, { beforeFlush: () => s.emit('state', state), ...(mayAccess ? { mayAccess } : {}) });
  };
  /** Records `seqs` in the log and brings them through the fan-out in the order given. */
  const fanOut = (...seqs: number[]) => {
    for (const seq of seqs) if (!log.rows.some((e) => e.seq === seq)) log.record(seq);
    feed.accept(events(...seqs));
  };
  return { io, log, refused, feed, socket, starter, completeWithState, fanOut };
}

describe('RequestFeed: a frontend never misses, duplicates or reorders an event', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  describe('live delivery', () => {
    it('a synced socket receives the events in order, through the room', () => {
      const { starter, fanOut, io } = setup();
      const s = starter();
      expect(s.inRoom).toBe(true);
      fanOut(1, 2);
      fanOut(3);
      fanOut(4, 5);
      expect(s.live).toEqual([1, 2, 3, 4, 5]);
      expect(s.seen).toEqual(range(1, 5));
      expect(io.broadcasts.get(ROOM)).toEqual([1, 2, 3, 4, 5]);
    });

    it('each message is emitted under its type as event name', () => {
      const { starter, fanOut } = setup();
      const s = starter();
      fanOut(1, 2);
      expect(s.received.map((r) => r.event)).toEqual(['status', 'progress']);
      expect(s.received[1].message).toEqual(recorded(2));
    });

    it('every socket in the room receives every event once', () => {
      const { starter, fanOut } = setup();
      const a = starter('a');
      const b = starter('b');
      fanOut(1, 2, 3);
      expect(a.seen).toEqual(range(1, 3));
      expect(b.seen).toEqual(range(1, 3));
    });

    it('out-of-order arrival is reordered: nothing is sent until the missing seq arrives', () => {
      const { starter, fanOut, log } = setup();
      const s = starter();
      fanOut(1);
      fanOut(3);
      fanOut(4);
      expect(s.live).toEqual([1]);
      fanOut(2);
      expect(s.seen).toEqual(range(1, 4));
      jest.advanceTimersByTime(GAP_REPAIR_DELAY_MS * 5);
      expect(log.reads).toEqual([]); // filled by the fan-out before the delay: the log is not read
    });

    it('out-of-order arrival inside one fan-out batch is reordered', () => {
      const { starter, fanOut } = setup();
      const s = starter();
      fanOut(3, 1, 2, 5, 4);
      expect(s.seen).toEqual(range(1, 5));
    });

    it('duplicates (seq ≤ last delivered) are dropped', () => {
      const { starter, fanOut } = setup();
      const s = starter();
      fanOut(1, 2);
      fanOut(2, 1);
      fanOut(1, 2, 3);
      fanOut(3);
      expect(s.seen).toEqual(range(1, 3));
    });

    it('a duplicate of an event still waiting for its predecessor is delivered once', () => {
      const { starter, fanOut } = setup();
      const s = starter();
      fanOut(1, 3);
      fanOut(3);
      fanOut(2, 3);
      expect(s.seen).toEqual(range(1, 3));
    });
  });

  describe('gap repair from the log', () => {
    it(`a gap the fan-out never fills is read from the log after ${GAP_REPAIR_DELAY_MS} ms`, async () => {
      const { starter, feed, log } = setup();
      const s = starter();
      log.record(1, 2, 3, 4, 5);
      feed.accept(events(1, 2, 4, 5)); // 3 lost on the way
      expect(s.live).toEqual([1, 2]);

      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS - 1);
      expect(log.reads).toEqual([]);
      expect(s.live).toEqual([1, 2]);

      await jest.advanceTimersByTimeAsync(1);
      expect(log.reads).toEqual([{ afterSeq: 2, limit: 1 }]); // only the missing seqs
      expect(s.seen).toEqual(range(1, 5));
    });

    it('a gap of several events is read in one go', async () => {
      const { starter, feed, log } = setup();
      const s = starter();
      log.record(...range(1, 10));
      feed.accept(events(1, 9, 10));
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(log.reads).toEqual([{ afterSeq: 1, limit: 7 }]);
      expect(s.seen).toEqual(range(1, 10));
    });

    it('keeps reading the log until the gap is filled', async () => {
      const { starter, feed, log } = setup();
      const s = starter();
      log.record(1);
      feed.accept(events(1, 3)); // 2 not readable yet
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(log.reads).toHaveLength(1);
      expect(s.live).toEqual([1]);

      log.record(2, 3);
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(log.reads).toHaveLength(2);
      expect(s.seen).toEqual(range(1, 3));

      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS * 5);
      expect(log.reads).toHaveLength(2); // no gap, no more reads
    });

    it('the missing event arriving from the fan-out while the log is read is not delivered twice', async () => {
      const { starter, feed, log } = setup();
      const s = starter();
      let answer: (rows: RecordedMessage[]) => void = () => undefined;
      jest.spyOn(log, 'listEvents').mockImplementation(() => new Promise((resolve) => (answer = resolve)));
      feed.accept(events(1, 3));
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(log.listEvents).toHaveBeenCalledTimes(1);

      feed.accept(events(2)); // the fan-out was only late
      expect(s.seen).toEqual(range(1, 3));
      answer(events(2));
      await jest.advanceTimersByTimeAsync(0);
      feed.accept(events(4));
      expect(s.seen).toEqual(range(1, 4));
    });

    it('close() stops a scheduled repair', async () => {
      const { starter, feed, log } = setup();
      starter();
      log.record(1, 2, 3);
      feed.accept(events(1, 3));
      feed.close();
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS * 5);
      expect(log.reads).toEqual([]);
    });
  });

  describe('joining a request that already has events (rejoin, handshake requestId)', () => {
    it('events recorded while the snapshot is read are sent after the state, once, in order; then the socket joins the room', () => {
      const { starter, socket, feed, completeWithState, fanOut } = setup();
      const a = starter('a');
      fanOut(1, 2, 3);

      const b = socket('b');
      feed.beginSync(b);
      fanOut(4, 5, 6); // while b's snapshot is read
      expect(b.received).toEqual([]);
      expect(b.inRoom).toBe(false);

      completeWithState(b, 5); // the snapshot reflects up to 5
      expect(b.received[0].event).toBe('state');
      expect(b.live).toEqual([6]);
      expect(b.inRoom).toBe(true);

      fanOut(7, 8);
      expect(b.seen).toEqual(range(1, 8));
      expect(b.joins).toBe(1);
      expect(a.seen).toEqual(range(1, 8));
    });

    it('a snapshot that already has every buffered event gets none of them again', () => {
      const { starter, socket, feed, completeWithState, fanOut } = setup();
      starter();
      fanOut(1, 2);
      const b = socket('b');
      feed.beginSync(b);
      fanOut(3, 4);
      completeWithState(b, 4);
      expect(b.live).toEqual([]);
      expect(b.inRoom).toBe(true);
      fanOut(5);
      expect(b.seen).toEqual(range(1, 5));
    });

    it('a socket already in the room that rejoins gets no room broadcast during its sync', () => {
      const { starter, feed, completeWithState, fanOut } = setup();
      const s = starter();
      fanOut(1, 2);
      s.received.length = 0; // the client reconnected its view: it rejoins with a fresh snapshot

      feed.beginSync(s);
      expect(s.inRoom).toBe(false);
      fanOut(3, 4);
      expect(s.received).toEqual([]);
      completeWithState(s, 3);
      fanOut(5);
      expect(s.seen).toEqual(range(1, 5));
    });

    it('a late socket whose snapshot is ahead of the room gets no repeats and joins only once the room catches up', () => {
      const { starter, socket, feed, completeWithState, fanOut, log } = setup();
      const a = starter('a');
      fanOut(1, 2, 3);
      log.record(4, 5, 6); // recorded, not yet through the fan-out

      const b = socket('b');
      feed.beginSync(b);
      completeWithState(b, 6);
      expect(b.inRoom).toBe(false);

      feed.accept(events(4));
      feed.accept(events(5));
      expect(b.inRoom).toBe(false);
      expect(b.live).toEqual([]);

      feed.accept(events(6));
      expect(b.inRoom).toBe(true);
      expect(b.live).toEqual([]); // 6 came with the snapshot

      fanOut(7);
      expect(b.seen).toEqual(range(1, 7));
      expect(b.joins).toBe(1);
      expect(a.seen).toEqual(range(1, 7));
    });

    it('a late socket ahead of the room also catches up when the room fills its gap from the log', async () => {
      const { starter, socket, feed, completeWithState, log } = setup();
      starter();
      log.record(1, 2, 3, 4);
      feed.accept(events(1, 2, 4)); // 3 lost
      const b = socket('b');
      feed.beginSync(b);
      completeWithState(b, 4);
      expect(b.inRoom).toBe(false);

      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(b.inRoom).toBe(true);
      log.record(5);
      feed.accept(events(5));
      expect(b.seen).toEqual(range(1, 5));
    });

    it('a disconnected socket is not put into the room', () => {
      const { starter, socket, feed, completeWithState, fanOut } = setup();
      starter();
      fanOut(1);
      const b = socket('b');
      feed.beginSync(b);
      b.connected = false;
      completeWithState(b, 1);
      expect(b.joins).toBe(0);
      expect(feed.idle).toBe(true);
    });
  });

  describe('the baseline (no socket in step yet)', () => {
    it('events accepted before the first completeSync are held, not broadcast', () => {
      const { socket, feed, fanOut, io } = setup();
      const b = socket('b');
      feed.beginSync(b);
      fanOut(1, 2, 3);
      expect(io.broadcasts.get(ROOM)).toBeUndefined();
      expect(b.received).toEqual([]);
    });

    it('the first completeSync fixes the baseline: held events ≤ floor are dropped, later ones delivered in order', () => {
      const { socket, feed, completeWithState, fanOut, io } = setup();
      const b = socket('b');
      feed.beginSync(b);
      fanOut(3, 1, 2);
      completeWithState(b, 2);
      expect(b.live).toEqual([3]);
      expect(b.inRoom).toBe(true);
      expect(io.broadcasts.get(ROOM)).toEqual([3]);
      fanOut(4);
      expect(b.seen).toEqual(range(1, 4));
    });

    it('a gap in the held events is repaired from the log once the baseline is known', async () => {
      const { socket, feed, completeWithState, log } = setup();
      const b = socket('b');
      feed.beginSync(b);
      log.record(1, 2, 3);
      feed.accept(events(1, 3));
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS * 3);
      expect(log.reads).toEqual([]); // no baseline, nothing to repair against

      completeWithState(b, 1);
      expect(b.live).toEqual([]);
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(b.seen).toEqual(range(1, 3));
    });
  });

  describe('early joiners (watching an id before it exists)', () => {
    it('are refused through onRefused when seq 1 shows an owner they may not access', () => {
      const { socket, feed, completeWithState, fanOut, refused } = setup();
      const asked: string[] = [];
      const c = socket('carol');
      feed.beginSync(c);
      completeWithState(c, 0, (owner) => {
        asked.push(owner);
        return owner === 'carol';
      });
      expect(c.inRoom).toBe(false);

      fanOut(1, 2, 3);
      expect(asked).toEqual([OWNER]);
      expect(refused).toEqual([c]);
      expect(c.live).toEqual([]); // not even seq 1, which names the owner
      expect(c.joins).toBe(0);
      expect(feed.idle).toBe(true);
    });

    it('are kept, and joined, when they may access the owner', () => {
      const { socket, feed, completeWithState, fanOut, refused } = setup();
      const a = socket('alice-tab');
      feed.beginSync(a);
      completeWithState(a, 0, (owner) => owner === OWNER);
      expect(a.inRoom).toBe(false);

      fanOut(1);
      expect(refused).toEqual([]);
      expect(a.inRoom).toBe(true);
      fanOut(2, 3);
      expect(a.seen).toEqual(range(1, 3));
      expect(a.joins).toBe(1);
    });

    it('a refused early joiner does not disturb the starter', () => {
      const { socket, feed, starter, completeWithState, fanOut, refused } = setup();
      const c = socket('carol');
      feed.beginSync(c);
      completeWithState(c, 0, () => false);
      const s = starter('alice');
      fanOut(1, 2);
      expect(refused).toEqual([c]);
      expect(s.seen).toEqual(range(1, 2));
      expect(c.seen).toEqual([]);
    });

    it('a rejoin with a snapshot (floor > 0) was checked already: the owner check does not hold it back', () => {
      const { starter, socket, feed, completeWithState, fanOut, refused } = setup();
      starter();
      fanOut(1, 2, 3);
      const b = socket('b');
      feed.beginSync(b);
      completeWithState(b, 3, () => false);
      expect(b.inRoom).toBe(true);
      fanOut(4);
      expect(refused).toEqual([]);
      expect(b.seen).toEqual(range(1, 4));
    });

    it('the owner check waits for seq 1 even when it arrives late', () => {
      const { socket, feed, completeWithState, fanOut, refused } = setup();
      const c = socket('carol');
      feed.beginSync(c);
      completeWithState(c, 0, () => false);
      fanOut(2, 3);
      expect(c.live).toEqual([]);
      expect(refused).toEqual([]);
      fanOut(1);
      expect(refused).toEqual([c]);
      expect(c.live).toEqual([]);
    });
  });

  describe('remove', () => {
    it('remove takes a socket out of the room: it receives nothing more, the others carry on', () => {
      const { starter, feed, fanOut } = setup();
      const a = starter('a');
      const b = starter('b');
      fanOut(1, 2);
      feed.remove(b);
      expect(b.inRoom).toBe(false);
      fanOut(3);
      expect(b.seen).toEqual([1, 2]);
      expect(a.seen).toEqual(range(1, 3));
    });

    it('remove during a sync drops what was buffered; a late completeSync sends nothing', () => {
      const { starter, socket, feed, fanOut } = setup();
      starter();
      fanOut(1);
      const b = socket('b');
      feed.beginSync(b);
      fanOut(2, 3);
      feed.remove(b);
      expect(feed.idle).toBe(true);
      const beforeFlush = jest.fn();
      feed.completeSync(b, 1, { beforeFlush });
      expect(beforeFlush).not.toHaveBeenCalled();
      fanOut(4);
      expect(b.received).toEqual([]);
      expect(b.joins).toBe(0);
    });

    it('remove abandons a sync: no state, no events, no room', () => {
      const { starter, socket, feed, fanOut } = setup();
      starter();
      fanOut(1);
      const b = socket('b');
      feed.beginSync(b);
      expect(feed.idle).toBe(false);
      fanOut(2);
      feed.remove(b);
      expect(feed.idle).toBe(true);
      const beforeFlush = jest.fn();
      feed.completeSync(b, 2, { beforeFlush });
      expect(beforeFlush).not.toHaveBeenCalled();
      fanOut(3);
      expect(b.received).toEqual([]);
      expect(b.inRoom).toBe(false);
    });

    it('completeSync for a socket that never began is ignored', () => {
      const { socket, feed, fanOut, io } = setup();
      const b = socket('b');
      feed.completeSync(b, 0);
      fanOut(1);
      expect(b.joins).toBe(0);
      expect(io.broadcasts.get(ROOM)).toBeUndefined(); // no baseline was fixed either
    });
  });

  describe('regressions', () => {
    it('an early joiner whose snapshot was read before seq 1 but completes after it is still refused', () => {
      const { socket, feed, starter, completeWithState, fanOut, refused } = setup();
      const c = socket('carol');
      feed.beginSync(c);
      const a = starter('alice');
      fanOut(1, 2);
      completeWithState(c, 0, (owner) => owner === 'carol');
      fanOut(3);
      expect(refused).toEqual([c]);
      expect(c.live).toEqual([]);
      expect(c.joins).toBe(0);
      expect(a.seen).toEqual(range(1, 3));
    });

    it('two sockets syncing on a fresh feed both get everything past their own snapshot', async () => {
      const { socket, feed, completeWithState, fanOut } = setup();
      const c = socket('c');
      const a = socket('a');
      feed.beginSync(c);
      feed.beginSync(a);
      fanOut(1, 2, 3);
      completeWithState(a, 3);
      completeWithState(c, 1);
      await jest.advanceTimersByTimeAsync(0);
      fanOut(4);
      await jest.advanceTimersByTimeAsync(0);
      expect(a.seen).toEqual(range(1, 4));
      expect(c.seen).toEqual(range(1, 4));
      expect(c.joins).toBe(1);
    });

    it('after the fan-out queue was re-created, catchUpFromLog delivers what was published meanwhile', async () => {
      const { feed, starter, fanOut, log } = setup();
      const a = starter('a');
      fanOut(1, 2, 3);
      log.record(4, 5); // recorded and fanned out while this instance had no queue
      await feed.catchUpFromLog();
      expect(a.seen).toEqual(range(1, 5));
      fanOut(6);
      expect(a.seen).toEqual(range(1, 6));
    });

    it('a socket that cannot be caught up from the log is dropped, not sent a gap', async () => {
      const io = new FakeRoomBroadcaster();
      const log = new FakeLog();
      const lost: WatcherSocket[] = [];
      const feed = new RequestFeed(REQUEST_ID, io, log, () => undefined, () => undefined, (socket) => lost.push(socket));
      const a = new FakeSocket('a', io);
      feed.beginSync(a);
      feed.completeSync(a, 0);
      log.record(1, 2, 3);
      feed.accept(events(1, 2, 3));
      const late = new FakeSocket('late', io);
      feed.beginSync(late);
      jest.spyOn(log, 'listEvents').mockRejectedValue(new Error('database gone'));
      feed.completeSync(late, 1); // behind the room: needs 2..3 from the log, which fails every time
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS * 60);
      expect(lost).toEqual([late]);
      feed.accept(events(4));
      expect(late.live).toEqual([]);
      expect(a.seen).toEqual(range(1, 4));
    });

    it('a failed log read during gap repair is reported and retried, never thrown', async () => {
      const io = new FakeRoomBroadcaster();
      const log = new FakeLog();
      const errors: Error[] = [];
      const feed = new RequestFeed(REQUEST_ID, io, log, () => undefined, (error) => errors.push(error));
      const a = new FakeSocket('a', io);
      feed.beginSync(a);
      feed.completeSync(a, 0);
      log.record(1, 2, 3);
      const read = jest.spyOn(log, 'listEvents').mockRejectedValueOnce(new Error('database restarting'));
      feed.accept(events(1, 3));
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(errors.map((e) => e.message)).toEqual(['database restarting']);
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS);
      expect(read).toHaveBeenCalledTimes(2);
      expect(a.seen).toEqual(range(1, 3));
    });
  });

  it('a busy run with every kind of disorder: each watcher sees 1..N exactly once, in order', async () => {
    const { starter, socket, feed, completeWithState, log } = setup();
    const N = 60;
    log.record(...range(1, N));
    const a = starter('a');

    // The fan-out brings everything except every 7th seq, in shuffled batches of 5, some twice.
    const lost = new Set(range(1, N).filter((seq) => seq % 7 === 0));
    const arriving = range(1, N).filter((seq) => !lost.has(seq));
    const b = socket('b');
    const c = socket('c');
    for (let i = 0; i < arriving.length; i += 5) {
      const batch = arriving.slice(i, i + 5).reverse();
      feed.accept(events(...batch, ...batch.slice(0, 2)));
      if (i === 10) feed.beginSync(b);
      if (i === 15) completeWithState(b, Math.max(...arriving.slice(0, i))); // b's snapshot saw more than the room
      if (i === 20) feed.beginSync(c);
      if (i === 30) completeWithState(c, 25);
      await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS / 2);
    }
    await jest.advanceTimersByTimeAsync(GAP_REPAIR_DELAY_MS * 3);

    for (const s of [a, b, c]) {
      expect(s.seen).toEqual(range(1, N));
      expect(s.joins).toBe(1);
    }
  });
});
