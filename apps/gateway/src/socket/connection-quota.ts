/**
 * Sockets per user on this gateway instance (docs/protocol.md §5
 * `MAX_CONNECTIONS_PER_USER`). A slot is taken during the handshake, so
 * that many handshakes at once cannot all slip under the limit, and given
 * back exactly once however the socket ends.
 */
export class ConnectionQuota {
  private readonly held = new Map<string, number>();

  constructor(private readonly perUser: number) {}

  /** A release function (safe to call more than once), or null when the user is at the limit. */
  tryTake(userId: string): (() => void) | null {
    const count = this.held.get(userId) ?? 0;
    if (count >= this.perUser) return null;
    this.held.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      // Drop idle users: the map holds only users with sockets, however many come and go.
      if (left > 0) this.held.set(userId, left);
      else this.held.delete(userId);
    };
  }

  /** Slots `userId` holds. */
  heldBy(userId: string): number {
    return this.held.get(userId) ?? 0;
  }

  /** Users holding at least one slot. */
  get users(): number {
    return this.held.size;
  }
}
