/**
 * A client written from docs/protocol.md alone: plain socket.io-client and amqplib,
 * nothing from the product's own sources except the harness that boots it.
 */
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { io, type Socket } from 'socket.io-client';

export const RECORDED_TYPES = ['progress', 'agent.completed', 'question', 'error', 'request.completed', 'status'] as const;
export const REQUEST_STATUSES = ['unknown', 'queued', 'running', 'waiting', 'cancelling', 'completed', 'failed', 'cancelled'];
export const FINAL_STATUSES = ['completed', 'failed', 'cancelled'];
export const ERROR_CODES = ['VALIDATION_FAILED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL'];

export const rid = (label = 'p') => `${label}-${randomUUID()}`;
export const uid = (label = 'u') => `${label}-${randomUUID().slice(0, 8)}`;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Received = { event: string; message: any; at: number };

/** One Socket.IO connection that records every event it receives (onAny), in order. */
export class Client {
  readonly received: Received[] = [];
  private waiters: Array<{ match: (r: Received) => boolean; resolve: (m: any) => void }> = [];

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, message: any) => {
      const r = { event, message, at: Date.now() };
      this.received.push(r);
      this.waiters = this.waiters.filter((w) => (w.match(r) ? (w.resolve(message), false) : true));
    });
  }

  static open(url: string, options: { token?: unknown; requestId?: string; transports?: string[]; auth?: Record<string, unknown> } = {}): Client {
    const socket = io(url, {
      transports: options.transports ?? ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: options.auth ?? (options.token === undefined ? {} : { token: options.token }),
      query: options.requestId === undefined ? {} : { requestId: options.requestId },
    } as any);
    return new Client(socket);
  }

  static async connect(url: string, options: { token?: unknown; requestId?: string; transports?: string[] } = {}): Promise<Client> {
    const client = Client.open(url, options);
    await new Promise<void>((resolve, reject) => {
      client.socket.once('connect', () => resolve());
      client.socket.once('connect_error', reject);
    });
    return client;
  }

  /** Live recorded messages (with a seq) for one request, in arrival order. */
  live(requestId: string): any[] {
    return this.received
      .filter((r) => r.event !== 'state' && r.message?.requestId === requestId && r.message && 'seq' in r.message)
      .map((r) => r.message);
  }

  states(requestId: string): any[] {
    return this.received.filter((r) => r.event === 'state' && r.message?.requestId === requestId).map((r) => r.message);
  }

  of(event: string, requestId?: string): any[] {
    return this.received.filter((r) => r.event === event && (requestId === undefined || r.message?.requestId === requestId)).map((r) => r.message);
  }

  waitFor(event: string, predicate: (message: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
    const seen = this.received.find((r) => r.event === event && predicate(r.message));
    if (seen) return Promise.resolve(seen.message);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), timeoutMs);
      this.waiters.push({
        match: (r) => r.event === event && predicate(r.message),
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Waits for the request's `request.completed`. */
  done(requestId: string, timeoutMs = 15_000): Promise<any> {
    return this.waitFor('request.completed', (m) => m.requestId === requestId, timeoutMs);
  }

  ack<T = any>(event: string, payload?: unknown, timeoutMs = 10_000): Promise<T> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload);
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Resolves with the `connect_error` (or rejects if the socket connects). */
export function connectError(client: Client, timeoutMs = 5_000): Promise<Error> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither connect nor connect_error')), timeoutMs);
    client.socket.once('connect_error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
    client.socket.once('connect', () => {
      clearTimeout(timer);
      reject(new Error('connected although it should have been refused'));
    });
  });
}

export const isIsoTs = (ts: unknown) => typeof ts === 'string' && !Number.isNaN(Date.parse(ts)) && new Date(ts).toISOString() === ts;

/** The failure ack of docs/protocol.md §1: `{ ok: false, error: { code, message, details? } }`. */
export function expectFailure(ack: any, code: string): void {
  expect(ack).toEqual({ ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(Object.keys(ack).sort()).toEqual(['error', 'ok']);
  for (const key of Object.keys(ack.error)) expect(['code', 'message', 'details']).toContain(key);
  expect(ack.error.message.length).toBeGreaterThan(0);
  expect(ack.error.message).not.toMatch(/\n\s+at /);
}

/** VALIDATION_FAILED with `details` naming the field. */
export function expectValidation(ack: any, field?: string): void {
  expectFailure(ack, 'VALIDATION_FAILED');
  if (field !== undefined) {
    expect(ack.error.details).toBeDefined();
    expect(JSON.stringify(ack.error.details)).toContain(field);
  }
}

/** seqs 1..n, each once. */
export function expectGapFree(seqs: number[], from = 1): void {
  const last = seqs.length ? Math.max(...seqs) : from - 1;
  expect(seqs).toEqual(Array.from({ length: last - from + 1 }, (_, i) => from + i));
}

/** Fields of a recorded message besides requestId, seq, ts, type. */
export const FIELDS: Record<string, { required: string[]; optional: string[] }> = {
  // `step` is listed without `?` in the §1 table, but §2 says "when given" and the demo thought-agent omits it:
  // ambiguous, so only its type is checked when present (see the report).
  progress: { required: ['agent', 'status', 'data'], optional: ['step'] },
  'agent.completed': { required: ['agent', 'data'], optional: [] },
  question: { required: ['agent', 'questionId', 'prompt'], optional: ['options'] },
  error: { required: ['agent', 'message'], optional: ['step'] },
  'request.completed': { required: ['status'], optional: ['result', 'error'] },
  status: { required: ['status'], optional: ['reason'] },
};

/** Checks the common envelope and the per-type required fields of one recorded message. */
export function expectRecordedShape(event: string, message: any, requestId: string): void {
  expect(RECORDED_TYPES as readonly string[]).toContain(event);
  expect(message.type).toBe(event);
  expect(message.requestId).toBe(requestId);
  expect(Number.isInteger(message.seq)).toBe(true);
  expect(message.seq).toBeGreaterThanOrEqual(1);
  expect(isIsoTs(message.ts)).toBe(true);
  for (const field of FIELDS[event].required) {
    if (!(field in message)) throw new Error(`${event} seq ${message.seq} lacks '${field}': ${JSON.stringify(message)}`);
  }
  if (event === 'progress') {
    expect(['running', 'completed', 'failed']).toContain(message.status);
    if ('step' in message) expect(typeof message.step).toBe('number');
  }
  if (event === 'request.completed') expect(FINAL_STATUSES).toContain(message.status);
  if (event === 'status') expect(REQUEST_STATUSES).toContain(message.status);
  if (event === 'question' && message.options !== undefined) {
    expect(Array.isArray(message.options)).toBe(true);
    for (const option of message.options) expect(typeof option).toBe('string');
  }
}

/** A plain amqplib view of the broker: spies on `agent.commands`, consumes `websocket.progress.dead`, plays an agent. */
export class Broker {
  readonly commands: Array<{ routingKey: string; body: any; at: number }> = [];
  readonly dead: Array<{ content: string; headers: Record<string, unknown>; routingKey: string; at: number }> = [];

  private constructor(
    private readonly connection: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async connect(options: { spyCommands?: boolean; consumeDead?: boolean } = {}): Promise<Broker> {
    const connection = await amqp.connect(process.env.AMQP_URL as string);
    const channel = await connection.createConfirmChannel();
    const broker = new Broker(connection, channel);
    if (options.spyCommands) {
      await channel.assertExchange('agent.commands', 'topic', { durable: true });
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, 'agent.commands', '#');
      await channel.consume(queue, (m) => m && broker.commands.push({ routingKey: m.fields.routingKey, body: parse(m), at: Date.now() }), { noAck: true });
    }
    if (options.consumeDead) {
      await channel.checkQueue('websocket.progress.dead');
      await channel.consume(
        'websocket.progress.dead',
        (m: ConsumeMessage | null) =>
          m && broker.dead.push({ content: m.content.toString('utf8'), headers: (m.properties.headers ?? {}) as Record<string, unknown>, routingKey: m.fields.routingKey, at: Date.now() }),
        { noAck: true },
      );
    }
    return broker;
  }

  async publish(routingKey: string, body: object | Buffer): Promise<number> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const at = Date.now();
    this.channel.publish('agent.events', routingKey, content, { persistent: true, contentType: 'application/json' });
    await (this.channel as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
    return at;
  }

  commandsFor(requestId: string, routingKey?: string) {
    return this.commands.filter((c) => c.body?.requestId === requestId && (routingKey === undefined || c.routingKey === routingKey));
  }

  deadWith(marker: string) {
    return this.dead.filter((d) => d.content.includes(marker));
  }

  async waitDead(marker: string, timeoutMs = 3_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.deadWith(marker);
      if (found.length) return found[0];
      await sleep(20);
    }
    throw new Error(`no dead letter containing ${marker}`);
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

function parse(m: ConsumeMessage): any {
  try {
    return JSON.parse(m.content.toString('utf8'));
  } catch {
    return m.content.toString('utf8');
  }
}
