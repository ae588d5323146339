import { io, type Socket } from 'socket.io-client';
import type { RecordedMessage, StateMessage } from '@app/contracts';
import { mintToken } from '../../support/tokens';

const STREAM_EVENTS = ['progress', 'agent.completed', 'question', 'error', 'request.completed', 'status'] as const;
const RETRY_MS = 100;

/** One connection's life, as the client saw it. */
export interface Connection {
  url: string;
  connectedAt: number;
  /** When its rejoin's `state` arrived: the client has caught up. */
  caughtUpAt?: number;
  disconnectedAt?: number;
  reason?: string;
}

/**
 * A frontend that never gives up, as docs/protocol.md and the README describe one:
 * on every connect it `rejoin`s its request with the last `seq` it has; when a
 * connection drops it reconnects, moving to the next URL in its list (another
 * gateway instance, as behind a load balancer). It keeps every recorded
 * message in arrival order, duplicates and all, so a test can count what the
 * product lost, repeated or reordered.
 */
export class RecoveringClient {
  private static readonly live = new Set<RecoveringClient>();

  /** Stops every client still open (a failed test leaves its client reconnecting otherwise). */
  static closeAll(): void {
    for (const client of RecoveringClient.live) client.close();
  }

  /** Every seq received (live or replayed in `state.events`), in arrival order. */
  readonly arrivals: number[] = [];
  /** Date.now() of each arrival, index by index. */
  readonly arrivedAt: number[] = [];
  readonly messages: RecordedMessage[] = [];
  readonly connections: Connection[] = [];
  readonly states: StateMessage[] = [];
  lastSeq = 0;
  socket!: Socket;
  private urlIndex = 0;
  private closed = false;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly urls: string[],
    readonly userId: string,
    readonly requestId: string,
  ) {}

  /** Connects to the first URL that answers; later reconnects rotate through `urls`. */
  static async connect(urls: string[], userId: string, requestId: string): Promise<RecoveringClient> {
    const client = new RecoveringClient(urls, userId, requestId);
    RecoveringClient.live.add(client);
    client.open();
    await client.until(() => client.connections.some((c) => c.caughtUpAt !== undefined), 10_000, 'first state');
    return client;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  ack<T = any>(event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload);
  }

  start(userQuery: string, context: Record<string, unknown>): Promise<any> {
    return this.ack('start', { requestId: this.requestId, userQuery, context });
  }

  completions(): RecordedMessage[] {
    return this.messages.filter((m) => m.type === 'request.completed');
  }

  /** Resolves when `check` holds, re-evaluated on every message and connection change. */
  until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (lastSeq ${this.lastSeq}, ${this.connections.length} connection(s))`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  waitForSeq(seq: number, timeoutMs = 20_000): Promise<void> {
    return this.until(() => this.lastSeq >= seq, timeoutMs, `seq ${seq}`);
  }

  waitForCompletion(timeoutMs = 30_000): Promise<void> {
    return this.until(() => this.completions().length > 0, timeoutMs, 'request.completed');
  }

  /** The first connection made after `since` that caught up; undefined if none yet. */
  recoveredAfter(since: number): Connection | undefined {
    return this.connections.find((c) => c.connectedAt >= since && c.caughtUpAt !== undefined);
  }

  /** The raw TCP socket under the current WebSocket: pausing it makes this a client that stops reading. */
  rawSocket(): import('node:net').Socket {
    const transport = (this.socket.io.engine as unknown as { transport: { ws?: { _socket?: import('node:net').Socket } } }).transport;
    const raw = transport.ws?._socket;
    if (!raw) throw new Error('no WebSocket transport to pause');
    return raw;
  }

  close(): void {
    RecoveringClient.live.delete(this);
    this.closed = true;
    this.socket?.disconnect();
  }

  private open(): void {
    const url = this.urls[this.urlIndex % this.urls.length];
    const socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 2000,
      auth: { token: mintToken(this.userId) },
    });
    this.socket = socket;
    let connection: Connection | undefined;
    socket.on('connect', () => {
      connection = { url, connectedAt: Date.now() };
      this.connections.push(connection);
      // The README's frontend: watch the request and get what was missed, on every connect.
      socket.emit('rejoin', { requestId: this.requestId, lastSeq: this.lastSeq });
      this.notify();
    });
    socket.on('state', (state: StateMessage) => {
      if (state.requestId !== this.requestId) return;
      this.states.push(state);
      for (const event of state.events ?? []) this.take(event);
      this.lastSeq = Math.max(this.lastSeq, state.seq);
      if (connection && connection.caughtUpAt === undefined) connection.caughtUpAt = Date.now();
      this.notify();
    });
    for (const type of STREAM_EVENTS) socket.on(type, (message: RecordedMessage) => this.take(message));
    const retry = (reason: string) => {
      if (connection) Object.assign(connection, { disconnectedAt: Date.now(), reason });
      connection = undefined;
      socket.removeAllListeners();
      socket.disconnect();
      this.notify();
      if (this.closed) return;
      this.urlIndex++;
      setTimeout(() => this.closed || this.open(), RETRY_MS);
    };
    socket.on('disconnect', (reason) => retry(reason));
    socket.on('connect_error', (error) => retry(`connect_error: ${error.message}`));
  }

  private take(message: RecordedMessage): void {
    if (message?.requestId !== this.requestId || typeof message.seq !== 'number') return;
    this.arrivals.push(message.seq);
    this.arrivedAt.push(Date.now());
    this.messages.push(message);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
