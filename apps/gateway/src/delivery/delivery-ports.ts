import type { RecordedMessage } from '@app/contracts';

/** The parts of a Socket.IO socket the delivery logic needs (a fake in unit tests). */
export interface WatcherSocket {
  readonly id: string;
  readonly connected: boolean;
  /** The rooms it is in (Socket.IO's `socket.rooms`); fakes may leave it out. */
  readonly rooms?: ReadonlySet<string>;
  emit(event: string, message: unknown): unknown;
  join(room: string): unknown;
  leave(room: string): unknown;
}

/** Broadcast to the sockets of one room on this instance. */
export interface RoomBroadcaster {
  broadcast(room: string, message: RecordedMessage): void;
}

/** Reads the log to fill gaps in what the fan-out brought. */
export interface EventLogReader {
  listEvents(requestId: string, afterSeq: number, limit: number): Promise<RecordedMessage[]>;
}

export const roomOf = (requestId: string): string => `request:${requestId}`;
