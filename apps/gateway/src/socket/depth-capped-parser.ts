import { Decoder, Encoder, protocol } from 'socket.io-parser';
import { MAX_PAYLOAD_DEPTH } from '@app/contracts';

/**
 * Replaces every object or array nested deeper than `maxDepth` (the root
 * being level 1) with null, walking with an explicit stack.
 */
export function pruneDeeperThan(root: unknown, maxDepth: number): void {
  if (root === null || typeof root !== 'object') return;
  const pending: Array<[Record<string, unknown>, number]> = [[root as Record<string, unknown>, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    for (const [key, child] of Object.entries(node)) {
      if (child === null || typeof child !== 'object') continue;
      // An own `__proto__` key (from JSON.parse) is a plain data property: assignment sets it.
      if (depth >= maxDepth) node[key] = null;
      else pending.push([child as Record<string, unknown>, depth + 1]);
    }
  }
}

/** Packet data is `[event, payload, …]`: the payload is level 2, so it keeps one level more than the contract allows. */
const PACKET_DEPTH_KEPT = MAX_PAYLOAD_DEPTH + 2;

interface PendingBinaryPacket {
  reconPack?: { data?: unknown } | null;
}

/**
 * socket.io-parser puts a binary packet's attachments back into its JSON
 * with a recursive walk: a 10,000-deep value overflows the stack and the
 * connection is closed without an ack. This decoder cuts such a packet's
 * JSON before the attachments arrive, keeping it deeper than the contract
 * allows, so the command is answered VALIDATION_FAILED like a deep
 * non-binary one (whose JSON.parse is not recursive, and which the
 * validation walks without recursion). The wire format is unchanged.
 */
class DepthCappedDecoder extends Decoder {
  override add(chunk: unknown): void {
    super.add(chunk);
    // Set by a BINARY_EVENT / BINARY_ACK header while its attachments are awaited (socket.io-parser 4.2).
    const pending = (this as unknown as { reconstructor?: PendingBinaryPacket | null }).reconstructor;
    if (typeof chunk === 'string' && pending?.reconPack) pruneDeeperThan(pending.reconPack.data, PACKET_DEPTH_KEPT);
  }
}

/** The `parser` option of the Socket.IO server. */
export const depthCappedParser = { protocol, Encoder, Decoder: DepthCappedDecoder };
