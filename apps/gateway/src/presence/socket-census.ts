import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
// delivery-ports directly: delivery reports to metrics, which read this census.
import { roomOf } from '../delivery/delivery-ports';

const ROOM_PREFIX = roomOf('');

/** Counts, from Socket.IO's rooms, the sockets on this instance and how many watch each request. */
@Injectable()
export class SocketCensus {
  private server: Server | undefined;

  attach(server: Server): void {
    this.server = server;
  }

  connectedSockets(): number {
    return this.server?.sockets.sockets.size ?? 0;
  }

  watchedRequests(): number {
    let count = 0;
    for (const room of this.rooms().keys()) if (room.startsWith(ROOM_PREFIX)) count += 1;
    return count;
  }

  /** Sockets per watched request id on this instance. */
  watchersByRequest(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [room, sockets] of this.rooms()) {
      if (room.startsWith(ROOM_PREFIX) && sockets.size > 0) counts.set(room.slice(ROOM_PREFIX.length), sockets.size);
    }
    return counts;
  }

  private rooms(): Map<string, Set<string>> {
    return this.server?.sockets.adapter.rooms ?? new Map();
  }
}
