/** What engine.io's socket exposes that the meter needs (writeBuffer and transport have no public accessors). */
interface EngineConnection {
  writeBuffer: unknown[];
  transport?: { name?: string; socket?: { bufferedAmount?: number } };
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
  on(event: 'flush', listener: () => void): unknown;
}

export interface SendQueueLimits {
  maxMessages: number;
  maxBytes: number;
}

const sizeOf = (data: unknown) => (typeof data === 'string' ? data.length : Buffer.isBuffer(data) ? data.length : 0);

/**
 * Watches what one connection has waiting to be sent and calls `overflow`
 * (once) when it passes a limit: in messages (engine.io's write buffer) or
 * in bytes (that buffer plus what the WebSocket holds that the kernel has
 * not taken), as Centrifugo bounds its client queues. Checked as each packet
 * is queued, so a burst cannot overshoot between sweeps.
 */
export class SendQueueMeter {
  /** Bytes in engine.io's write buffer; handed to the transport (and zeroed) on each flush. */
  private bufferBytes = 0;
  private tripped = false;
  /** The next packet is an answer the client asked for (a `state`): it does not count against the byte limit. */
  private allowNext = false;
  /** What is left of that answer to send, and the bytes queued behind it (sent only after it: one FIFO). */
  private allowance = 0;
  private queuedBehind = 0;

  constructor(
    private readonly connection: EngineConnection,
    private readonly limits: SendQueueLimits,
    private readonly overflow: (queued: { messages: number; bytes: number }) => void,
  ) {
    connection.on('packetCreate', (packet) => {
      const size = sizeOf(packet.data);
      this.bufferBytes += size;
      if (this.allowNext) [this.allowNext, this.allowance, this.queuedBehind] = [false, size, 0];
      else if (this.allowance > 0) this.queuedBehind += size;
      this.check();
    });
    connection.on('flush', () => {
      this.bufferBytes = 0;
    });
  }

  /**
   * The next message is an answer the client asked for (a `state`, bounded
   * on its own), not a backlog of the live stream: it does not count against
   * the byte limit while it waits. What is queued behind it does.
   */
  allowNextMessage(): void {
    this.allowNext = true;
  }

  private check(): void {
    if (this.tripped) return;
    // packetCreate fires just before the packet is pushed: count it.
    const messages = this.connection.writeBuffer.length + 1;
    const transport = this.connection.transport;
    const bytes = this.bufferBytes + (transport?.name === 'websocket' ? (transport.socket?.bufferedAmount ?? 0) : 0);
    // Whatever has left the queue left from the front: the answer first.
    this.allowance = Math.max(0, Math.min(this.allowance, bytes - this.queuedBehind));
    if (messages > this.limits.maxMessages || bytes - this.allowance > this.limits.maxBytes) {
      this.tripped = true;
      // Not from inside engine.io's sendPacket, which goes on to push and flush this packet.
      process.nextTick(() => this.overflow({ messages, bytes }));
    }
  }
}
