import type { ChannelModel } from 'amqplib';
import { cancelledMarkerQueue } from '@app/contracts';

/** AMQP 0-9-1 reply codes: another connection holds the exclusive queue; no such queue. */
const RESOURCE_LOCKED = 405;
const NOT_FOUND = 404;

/** Outcome of a claim: ours now (or already), or held by another live worker. */
export type ClaimResult = 'claimed' | 'held-elsewhere';

/**
 * Which worker runs a request, kept by the broker: the holder declares an
 * exclusive queue `agents.claim.<requestId>` on its connection. Nobody else
 * can declare it while that connection lives (RESOURCE_LOCKED), and the
 * broker deletes it when the connection dies — a crashed worker releases its
 * claims by itself, a live one keeps them. After a reconnect the holder
 * declares its claims again (`reclaimAll`).
 */
export class RunClaims {
  private readonly held = new Set<string>();

  constructor(private readonly connection: () => ChannelModel | undefined) {}

  static queueOf(requestId: string): string {
    return `agents.claim.${requestId}`;
  }

  isHeld(requestId: string): boolean {
    return this.held.has(requestId);
  }

  /** Throws when the broker cannot be asked (the caller requeues the start). */
  async claim(requestId: string): Promise<ClaimResult> {
    const refused = await this.onChannel(async (channel) => {
      await channel.assertQueue(RunClaims.queueOf(requestId), { exclusive: true, durable: false, autoDelete: false });
    });
    if (refused === RESOURCE_LOCKED) return 'held-elsewhere';
    this.held.add(requestId);
    return 'claimed';
  }

  /** True when a live worker (not this one) holds the claim; looks without claiming. */
  async heldElsewhere(requestId: string): Promise<boolean> {
    if (this.held.has(requestId)) return false;
    const refused = await this.onChannel(async (channel) => {
      await channel.checkQueue(RunClaims.queueOf(requestId));
    });
    return refused !== NOT_FOUND;
  }

  /** True when the gateway left a cancel marker for the request (contracts' `cancelledMarkerQueue`). */
  async cancelledBeforeStart(requestId: string): Promise<boolean> {
    const refused = await this.onChannel(async (channel) => {
      await channel.checkQueue(cancelledMarkerQueue(requestId));
    });
    return refused !== NOT_FOUND;
  }

  /** Best effort: if it fails, the claim goes with this connection. */
  async release(requestId: string): Promise<void> {
    if (!this.held.delete(requestId)) return;
    await this.onChannel((channel) => channel.deleteQueue(RunClaims.queueOf(requestId)).then(() => undefined)).catch(() => undefined);
  }

  /**
   * Declares every held claim again on a new connection. Returns the ids
   * another worker claimed meanwhile: their runs must stop here.
   */
  async reclaimAll(): Promise<string[]> {
    const lost: string[] = [];
    for (const requestId of [...this.held]) {
      this.held.delete(requestId);
      try {
        if ((await this.claim(requestId)) === 'held-elsewhere') lost.push(requestId);
      } catch {
        this.held.add(requestId); // the broker went away again: the next reconnect retries
      }
    }
    return lost;
  }

  /**
   * Runs one operation on a channel of its own: a refused declare closes the
   * channel it was sent on. Returns the refusal's code (locked, not found),
   * undefined when it went through; throws on anything else.
   */
  private async onChannel(operation: (channel: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<void>): Promise<number | undefined> {
    const connection = this.connection();
    if (!connection) throw new Error('not connected to the broker');
    const channel = await connection.createChannel();
    channel.on('error', () => undefined); // the refusal is reported through the rejected call
    try {
      await operation(channel);
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === RESOURCE_LOCKED || code === NOT_FOUND) return code;
      throw error;
    }
    await channel.close().catch(() => undefined);
    return undefined;
  }
}
