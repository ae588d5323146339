import type { RecordedMessage } from '@app/contracts';
import { roomOf, type EventLogReader, type RoomBroadcaster, type WatcherSocket } from './delivery-ports';

/** A socket between joining and being in step with the room. */
interface SyncingWatcher {
  socket: WatcherSocket;
  /** Events seen while its snapshot is read; null once the snapshot is sent. */
  buffer: RecordedMessage[] | null;
  /** Highest seq this socket has (through its snapshot or directly). */
  floor: number;
  /** Joined before the request existed: checked against the owner on seq 1. */
  mayAccess?: (owner: string) => boolean;
}

/** How long an out-of-order event waits for the missing ones before the log is read. */
export const GAP_REPAIR_DELAY_MS = 100;
const GAP_REPAIR_BATCH = 1000;

/**
 * Delivers one request's recorded events to the sockets on this instance,
 * in `seq` order, each once. Fan-out messages from several publishers may
 * arrive out of order or (after a redelivery) twice; out-of-order ones wait
 * briefly, then the gap is read from the log. Sockets in step with the room
 * get room broadcasts; a joining socket buffers until its snapshot is sent,
 * then gets only what is newer than the snapshot (DESIGN.md "Rejoin without gaps").
 */
export class RequestFeed {
  /** Highest seq broadcast to the room; undefined until a first snapshot fixes the baseline. */
  private lastSeq: number | undefined;
  private readonly pending = new Map<number, RecordedMessage>();
  private readonly syncing = new Map<string, SyncingWatcher>();
  private repairTimer: NodeJS.Timeout | undefined;
  private readonly room: string;

  constructor(
    readonly requestId: string,
    private readonly io: RoomBroadcaster,
    private readonly log: EventLogReader,
    private readonly onRefused: (socket: WatcherSocket) => void,
  ) {
    this.room = roomOf(requestId);
  }

  get idle(): boolean {
    return this.syncing.size === 0;
  }

  /** Starts buffering for a socket; it leaves the room until it is in step again. */
  beginSync(socket: WatcherSocket): void {
    socket.leave(this.room);
    this.syncing.set(socket.id, { socket, buffer: [], floor: 0 });
  }

  /**
   * The socket has everything up to `floor` (its snapshot, sent by `beforeFlush`).
   * Sends what it buffered past that, then keeps it in step.
   */
  completeSync(socket: WatcherSocket, floor: number, options: { beforeFlush?: () => void; mayAccess?: (owner: string) => boolean } = {}): void {
    const watcher = this.syncing.get(socket.id);
    if (!watcher) return;
    options.beforeFlush?.();
    watcher.floor = floor;
    watcher.mayAccess = floor === 0 ? options.mayAccess : undefined;
    const buffered = watcher.buffer ?? [];
    watcher.buffer = null;
    for (const message of buffered) this.sendTo(watcher, message);
    if (this.lastSeq === undefined) {
      this.lastSeq = floor;
      this.drain();
    }
    this.promoteIfInStep(watcher);
  }

  cancelSync(socket: WatcherSocket): void {
    this.syncing.delete(socket.id);
  }

  remove(socket: WatcherSocket): void {
    this.syncing.delete(socket.id);
    socket.leave(this.room);
  }

  /** Recorded events from the fan-out, any order, possibly repeated. */
  accept(messages: RecordedMessage[]): void {
    for (const message of messages) {
      if (this.lastSeq === undefined || message.seq > this.lastSeq) this.pending.set(message.seq, message);
    }
    if (this.lastSeq !== undefined) this.drain();
  }

  close(): void {
    clearTimeout(this.repairTimer);
    this.repairTimer = undefined;
  }

  private drain(): void {
    if (this.lastSeq === undefined) return;
    for (const seq of [...this.pending.keys()]) if (seq <= this.lastSeq) this.pending.delete(seq);
    let next = this.pending.get(this.lastSeq + 1);
    while (next) {
      this.pending.delete(next.seq);
      this.lastSeq = next.seq;
      this.emit(next);
      next = this.pending.get(this.lastSeq + 1);
    }
    if (this.pending.size > 0) this.scheduleRepair();
    else this.close();
  }

  private emit(message: RecordedMessage): void {
    if (message.seq === 1 && message.type === 'status' && 'owner' in message) this.checkEarlyJoiners(String(message.owner));
    this.io.broadcast(this.room, message);
    for (const watcher of this.syncing.values()) {
      if (watcher.buffer) watcher.buffer.push(message);
      else {
        this.sendTo(watcher, message);
        this.promoteIfInStep(watcher);
      }
    }
  }

  private sendTo(watcher: SyncingWatcher, message: RecordedMessage): void {
    if (message.seq <= watcher.floor) return;
    watcher.floor = message.seq;
    watcher.socket.emit(message.type, message);
  }

  /** In step once the room has broadcast everything the socket already has. */
  private promoteIfInStep(watcher: SyncingWatcher): void {
    if (this.lastSeq === undefined || this.lastSeq < watcher.floor || watcher.mayAccess) return;
    this.syncing.delete(watcher.socket.id);
    if (watcher.socket.connected) watcher.socket.join(this.room);
  }

  /** Sockets that watched an id before it existed may stay only if the creator lets them. */
  private checkEarlyJoiners(owner: string): void {
    for (const watcher of this.syncing.values()) {
      if (!watcher.mayAccess) continue;
      if (watcher.mayAccess(owner)) {
        watcher.mayAccess = undefined;
      } else {
        this.syncing.delete(watcher.socket.id);
        this.onRefused(watcher.socket);
      }
    }
  }

  private scheduleRepair(): void {
    if (this.repairTimer) return;
    this.repairTimer = setTimeout(() => void this.repair(), GAP_REPAIR_DELAY_MS);
  }

  private async repair(): Promise<void> {
    this.repairTimer = undefined;
    if (this.lastSeq === undefined || this.pending.size === 0) return;
    const missingUpTo = Math.min(...this.pending.keys()) - 1;
    try {
      const found = await this.log.listEvents(this.requestId, this.lastSeq, Math.min(missingUpTo - this.lastSeq, GAP_REPAIR_BATCH));
      this.accept(found);
    } finally {
      if (this.pending.size > 0) this.scheduleRepair();
    }
  }
}
