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

  constructor(
    private readonly connection: EngineConnection,
    private readonly limits: SendQueueLimits,
    private readonly overflow: (queued: { messages: number; bytes: number }) => void,
  ) {
    connection.on('packetCreate', (packet) => {
      this.bufferBytes += sizeOf(packet.data);
      this.check();
    });
    connection.on('flush', () => {
      this.bufferBytes = 0;
    });
  }

  private check(): void {
    if (this.tripped) return;
    // packetCreate fires just before the packet is pushed: count it.
    const messages = this.connection.writeBuffer.length + 1;
    const transport = this.connection.transport;
    const bytes = this.bufferBytes + (transport?.name === 'websocket' ? (transport.socket?.bufferedAmount ?? 0) : 0);
    if (messages > this.limits.maxMessages || bytes > this.limits.maxBytes) {
      this.tripped = true;
      // Not from inside engine.io's sendPacket, which goes on to push and flush this packet.
      process.nextTick(() => this.overflow({ messages, bytes }));
    }
  }
}
