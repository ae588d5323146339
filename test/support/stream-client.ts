import { io, type Socket } from 'socket.io-client';
import type { RecordedMessage, StateMessage } from '@app/contracts';

const STREAM_EVENTS = ['progress', 'agent.completed', 'question', 'error', 'request.completed', 'status', 'output'] as const;

/**
 * A socket.io-client connection that records everything it receives, in
 * order, and can wait for a message matching a predicate.
 */
export class StreamClient {
  readonly received: Array<{ event: string; message: any }> = [];
  private waiters: Array<{ match: (event: string, message: any) => boolean; resolve: (m: any) => void }> = [];

  constructor(readonly socket: Socket) {
    const record = (event: string) => (message: any) => {
      this.received.push({ event, message });
      this.waiters = this.waiters.filter((w) => (w.match(event, message) ? (w.resolve(message), false) : true));
    };
    for (const event of [...STREAM_EVENTS, 'state']) socket.on(event, record(event));
  }

  static async connect(url: string, options: { token?: string; requestId?: string; transports?: string[] } = {}): Promise<StreamClient> {
    const socket = io(url, {
      transports: options.transports ?? ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: options.token === undefined ? {} : { token: options.token },
      query: options.requestId === undefined ? {} : { requestId: options.requestId },
    });
    const client = new StreamClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return client;
  }

  /** Recorded messages (with a seq) for one request, in arrival order. */
  events(requestId: string): RecordedMessage[] {
    return this.received.filter((r) => r.event !== 'state' && r.message?.requestId === requestId && typeof r.message.seq === 'number').map((r) => r.message);
  }

  states(requestId: string): StateMessage[] {
    return this.received.filter((r) => r.event === 'state' && r.message.requestId === requestId).map((r) => r.message);
  }

  /** Every seq this client has for a request: from its last state's events and live messages. */
  seqs(requestId: string): number[] {
    return this.events(requestId).map((m) => m.seq);
  }

  waitFor(event: string, predicate: (message: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
    const seen = this.received.find((r) => r.event === event && predicate(r.message));
    if (seen) return Promise.resolve(seen.message);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), timeoutMs);
      this.waiters.push({
        match: (e, m) => e === event && predicate(m),
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  ack<T = any>(event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload);
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Fails a test with the missing or repeated seqs, instead of a bare length mismatch. */
export function expectGapFree(seqs: number[], upTo?: number): void {
  const last = upTo ?? Math.max(0, ...seqs);
  expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
}
