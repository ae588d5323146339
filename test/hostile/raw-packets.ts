import type { Socket } from 'socket.io-client';

/**
 * Sends a Socket.IO EVENT (or, with attachments, a BINARY_EVENT) written by hand (socket.io-client's own
 * encoder recurses, so it cannot send the deep values a hostile client can),
 * and resolves with the ack the gateway sends back, or null after `timeoutMs`.
 */
export function sendRawEvent(socket: Socket, ackId: number, dataJson: string, attachments: Buffer[] = [], timeoutMs = 5000): Promise<unknown[] | null> {
  const manager = socket.io as unknown as {
    engine: { write(data: string | Buffer): void };
    on(event: 'packet', listener: (packet: { type: number; id?: number; data?: unknown[] }) => void): void;
    off(event: 'packet', listener: (packet: { type: number; id?: number; data?: unknown[] }) => void): void;
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), timeoutMs);
    const onPacket = (packet: { type: number; id?: number; data?: unknown[] }) => {
      if (packet.type === 3 /* ACK */ && packet.id === ackId) done(packet.data ?? []);
    };
    const done = (value: unknown[] | null) => {
      clearTimeout(timer);
      manager.off('packet', onPacket);
      resolve(value);
    };
    manager.on('packet', onPacket);
    manager.engine.write(attachments.length === 0 ? `2${ackId}${dataJson}` : `5${attachments.length}-${ackId}${dataJson}`);
    for (const attachment of attachments) manager.engine.write(attachment);
  });
}

/** JSON text of `[[[…value…]]]`, `depth` arrays deep, built without recursion. */
export function deepJson(depth: number, leafJson = '0'): string {
  return '['.repeat(depth) + leafJson + ']'.repeat(depth);
}

/** `{ a: { a: … } }`, `depth` levels, built without recursion. */
export function deepObject(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let level = root;
  for (let i = 1; i < depth; i++) level = (level.a = {}) as Record<string, unknown>;
  return root;
}
