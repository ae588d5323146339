import type { RecordedMessage } from '@app/contracts';
import { roomOf, type EventLogReader, type RoomBroadcaster, type WatcherSocket } from './delivery-ports';

/** A socket between joining and being in step with the room. */
interface SyncingWatcher {
  socket: WatcherSocket;
  /** Events held back while its snapshot is read or its catch-up runs; null while it is sent to directly. */
  buffer: RecordedMessage[] | null;
  /** Highest seq this socket has (through its snapshot or directly). */
  floor: number;
  /** Joined before the request existed: checked against the owner on seq 1. */
  mayAccess?: (owner: string) => boolean;
}

/** How long an out-of-order event waits for the missing ones before the log is read. */
export const GAP_REPAIR_DELAY_MS = 100;
const LOG_READ_BATCH = 1000;
/** Reads of the log before a catch-up gives up on events that should be there. */
const MAX_LOG_READ_ATTEMPTS = 50;

/**
 * Delivers one request's recorded events to the sockets on this instance,
 * in `seq` order, each once. Fan-out messages from several publishers may
 * arrive out of order or (after a redelivery) twice; out-of-order ones wait
 * briefly, then the gap is read from the log. Sockets in step with the room
 * get room broadcasts; a joining socket buffers until its snapshot is sent,
 * then gets only what is newer than the snapshot, reading from the log what
 * the room sent before it was in step (DESIGN.md "Rejoin without gaps").
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
    private readonly onError: (error: Error) => void = () => undefined,
    /** A socket that cannot be brought in step without a gap: close it, its client rejoins. */
    private readonly onLost: (socket: WatcherSocket) => void = () => undefined,
  ) {
    this.room = roomOf(requestId);
  }

  get idle(): boolean {
    return this.syncing.size === 0;
  }

  /** Starts buffering for a socket; it leaves the room until it is in step again. */
  beginSync(socket: WatcherSocket): void {
    // A socket in step already has everything the room got: `resume` puts it back there if its rejoin fails.
    const had = this.syncing.get(socket.id)?.floor ?? (socket.rooms?.has(this.room) ? (this.lastSeq ?? 0) : 0);
    socket.leave(this.room);
    this.syncing.set(socket.id, { socket, buffer: [], floor: had });
  }

  /** A re-watch failed (its snapshot could not be read): the socket goes on from what it had, no gap, no repeat. */
  resume(socket: WatcherSocket): void {
    const watcher = this.syncing.get(socket.id);
    if (watcher) this.completeSync(socket, watcher.floor);
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
    if (!this.flush(watcher)) return;
    if (this.lastSeq === undefined) {
      this.lastSeq = floor;
      this.drain();
    }
    this.bringInStep(watcher);
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
    // Deleting while iterating a Map is safe: no copy of the keys per drain.
    for (const seq of this.pending.keys()) if (seq <= this.lastSeq) this.pending.delete(seq);
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
    this.io.broadcast(this.room, message);
    if (this.syncing.size === 0) return;
    for (const watcher of [...this.syncing.values()]) {
      if (watcher.buffer) watcher.buffer.push(message);
      else if (this.sendTo(watcher, message)) this.bringInStep(watcher);
    }
  }

  /** Sends the buffered events past the socket's floor; false when the socket was refused meanwhile. */
  private flush(watcher: SyncingWatcher): boolean {
    const buffered = watcher.buffer ?? [];
    watcher.buffer = null;
    return buffered.every((message) => this.sendTo(watcher, message));
  }

  /** False when the socket may not see this request (and was refused). */
  private sendTo(watcher: SyncingWatcher, message: RecordedMessage): boolean {
    if (message.seq <= watcher.floor) return true;
    if (watcher.mayAccess && message.seq === 1 && message.type === 'status' && message.owner !== undefined) {
      if (!watcher.mayAccess(message.owner)) {
        this.syncing.delete(watcher.socket.id);
        this.onRefused(watcher.socket);
        return false;
      }
      watcher.mayAccess = undefined;
    }
    watcher.floor = message.seq;
    watcher.socket.emit(message.type, message);
    return true;
  }

  /**
   * In step once the room has broadcast everything the socket has and the
   * socket has everything the room broadcast; what the room sent before is
   * read from the log.
   */
  private bringInStep(watcher: SyncingWatcher): void {
    if (this.lastSeq === undefined || watcher.mayAccess || this.syncing.get(watcher.socket.id) !== watcher) return;
    if (watcher.floor < this.lastSeq) return void this.catchUp(watcher);
    if (watcher.floor > this.lastSeq) return; // the room is behind this socket's snapshot: wait for it
    this.syncing.delete(watcher.socket.id);
    if (watcher.socket.connected) watcher.socket.join(this.room);
  }

  /** Reads what the room broadcast before this socket was in step; live events wait in its buffer meanwhile. */
  private async catchUp(watcher: SyncingWatcher): Promise<void> {
    if (watcher.buffer) return; // a catch-up is already running
    watcher.buffer = [];
    const target = this.lastSeq ?? 0;
    for (let attempt = 0; watcher.floor < target && attempt < MAX_LOG_READ_ATTEMPTS; attempt++) {
      if (this.syncing.get(watcher.socket.id) !== watcher) return;
      try {
        const missed = await this.log.listEvents(this.requestId, watcher.floor, Math.min(target - watcher.floor, LOG_READ_BATCH));
        for (const message of missed) if (!this.sendTo(watcher, message)) return;
        if (missed.length > 0) continue;
      } catch (error) {
        this.onError(error as Error);
      }
      await new Promise((resolve) => setTimeout(resolve, GAP_REPAIR_DELAY_MS));
    }
    if (this.syncing.get(watcher.socket.id) !== watcher) return;
    if (watcher.floor < target) {
      this.onError(new Error(`request ${this.requestId}: seq ${watcher.floor + 1}..${target} could not be read from the log`));
      this.syncing.delete(watcher.socket.id);
      return this.onLost(watcher.socket);
    }
    if (!this.flush(watcher)) return;
    this.bringInStep(watcher);
  }

  private scheduleRepair(): void {
    if (this.repairTimer) return;
    this.repairTimer = setTimeout(() => void this.repair(), GAP_REPAIR_DELAY_MS);
  }

  private async repair(): Promise<void> {
    this.repairTimer = undefined;
    if (this.lastSeq === undefined || this.pending.size === 0) return;
    await this.readLog(Math.min(...this.pending.keys()) - this.lastSeq - 1);
  }

  /**
   * Reads whatever the log has past what the room got: after the fan-out
   * queue was re-created, the events published in between are only there.
   */
  async catchUpFromLog(): Promise<void> {
    if (this.lastSeq !== undefined) await this.readLog(LOG_READ_BATCH);
  }

  private async readLog(limit: number): Promise<void> {
    try {
      this.accept(await this.log.listEvents(this.requestId, this.lastSeq ?? 0, Math.min(limit, LOG_READ_BATCH)));
    } catch (error) {
      this.onError(error as Error);
    } finally {
      if (this.pending.size > 0) this.scheduleRepair();
    }
  }
}
