import { Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import {
  CancelCommand,
  CommandError,
  ErrorCode,
  FeedbackCommand,
  LeaveCommand,
  REQUEST_ID_MESSAGE,
  REQUEST_ID_PATTERN,
  RejoinCommand,
  StartCommand,
  validatePayload,
  type AckFailure,
  type RequestStatus,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type WatchRefusedMessage,
} from '@app/contracts';
import { mayAccess, TokenService, type Principal } from '@app/auth';
import { AppConfig } from '@app/config';
import { RequestStore } from '@app/persistence';
import { forbidden, RequestCommands, StreamCommand, StreamCommandRegistry, type StreamCommandContext, type StreamCommandHandler } from '../commands';
import { LiveDelivery } from '../delivery';
import { GatewayMetrics } from '../metrics';
import { toAckFailure } from './ack';
import { CommandRateLimiter } from './command-rate-limiter';
import { SendQueueMeter } from './send-queue-meter';
import { ConnectionQuota } from './connection-quota';
import { fitState } from './state-budget';

interface SocketData {
  principal: Principal;
  limiter: CommandRateLimiter;
  /** Requests this socket watches (or is joining). */
  watching: Set<string>;
  /** The last command taken from this socket: the next one starts when it ends. */
  tail: Promise<unknown>;
  /** What waits to be sent to this socket; a `state` it asked for is let through on top of the limit. */
  sendQueue: SendQueueMeter;
}
type StreamSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * A `state` takes at most this many times SLOW_CLIENT_MAX_BYTES of JSON: room
 * for the replay a client dropped at that limit needs, and a bound whatever
 * was recorded.
 */
const STATE_MAX_QUEUES = 4;

/** Each watched request costs memory until the socket leaves it. */
const MAX_WATCHED_PER_SOCKET = 1000;
/** The metric's `command` label for event names no handler has: a fixed value, never the client's string. */
const UNKNOWN_COMMAND_LABEL = '(unknown)';

type Ack = { ok: true } & Record<string, unknown>;
type AckCallback = (reply: Ack | AckFailure) => void;

/**
 * The Socket.IO face of docs/protocol.md §1. Authentication happens in a
 * middleware (guards do not run on connection); every command is validated,
 * authorised and answered through its ack; no error ever disconnects.
 *
 * Commands — ours below and extension modules' — are `@StreamCommand`
 * methods, dispatched from one `onAny` listener per socket rather than
 * Nest's `@SubscribeMessage`, whose per-socket RxJS pipeline costs half a
 * connection's memory (STACK-NOTES "Socket.IO"), and which cannot answer an
 * event name nobody handles.
 */
@WebSocketGateway({ transports: ['websocket', 'polling'] })
export class StreamGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(StreamGateway.name);
  private server!: Server;
  private readonly connectionQuota: ConnectionQuota;
  /** One function shared by every socket: socket.io calls it with the socket as `this`. */
  private readonly commandListener: (this: StreamSocket, event: string, ...args: unknown[]) => void;

  constructor(
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    private readonly commands: RequestCommands,
    private readonly store: RequestStore,
    private readonly delivery: LiveDelivery,
    private readonly metrics: GatewayMetrics,
    private readonly registry: StreamCommandRegistry,
  ) {
    this.connectionQuota = new ConnectionQuota(config.MAX_CONNECTIONS_PER_USER);
    const dispatch = (socket: StreamSocket, event: string, args: unknown[]) => this.dispatch(socket, event, args);
    this.commandListener = function (this: StreamSocket, event: string, ...args: unknown[]) {
      dispatch(this, event, args);
    };
  }

  afterInit(server: Server): void {
    this.server = server;
    this.metrics.attach(server);
    this.delivery.attach(server, (socket, requestId) => {
      this.stopWatching(socket as StreamSocket, requestId);
      const { code, message } = forbidden();
      this.refuseWatch(socket as StreamSocket, requestId, code, message);
    });
    server.use((socket, next) => {
      this.tokens.verify((socket.handshake.auth as { token?: unknown } | undefined)?.token).then(
        (principal) => {
          if (!principal) return next(new Error('unauthorized'));
          const data = socket.data as SocketData;
          data.principal = principal;
          data.limiter = new CommandRateLimiter(this.config.RATE_LIMIT_PER_SECOND);
          data.watching = new Set();
          data.tail = Promise.resolve();
          data.sendQueue = this.dropWhenTooSlow(socket);
          socket.onAny(this.commandListener as (...args: unknown[]) => void);
          next();
        },
        (error: unknown) => {
          // verify() answers null for every bad token; this is a fault of ours, and the client learns nothing of it.
          this.logger.error(`token verification failed: ${String(error)}`);
          next(new Error('unauthorized'));
        },
      );
    });
    // Keep this the last middleware: nothing may refuse the handshake after a slot is taken.
    server.use((socket, next) => this.takeConnectionSlot(socket as StreamSocket, next));
    const { SLOW_CLIENT_MAX_QUEUED, REPLAY_LIMIT } = this.config;
    if (SLOW_CLIENT_MAX_QUEUED >= REPLAY_LIMIT) {
      this.logger.warn(
        `SLOW_CLIENT_MAX_QUEUED (${SLOW_CLIENT_MAX_QUEUED}) is not below REPLAY_LIMIT (${REPLAY_LIMIT}): ` +
          'a client dropped as too slow may get a truncated replay when it rejoins',
      );
    }
  }

  async handleConnection(socket: StreamSocket): Promise<void> {
    const requestId = socket.handshake.query.requestId;
    if (requestId === undefined) return;
    if (typeof requestId !== 'string' || !REQUEST_ID_PATTERN.test(requestId)) {
      return this.refuseWatch(socket, String(requestId), ErrorCode.VALIDATION_FAILED, REQUEST_ID_MESSAGE);
    }
    try {
      await this.inOrder(socket, () => this.watch(socket, requestId, undefined));
    } catch (error) {
      const { error: body } = toAckFailure(error);
      this.refuseWatch(socket, requestId, body.code, body.message);
    }
  }

  /**
   * docs/protocol.md §5 `MAX_CONNECTIONS_PER_USER`, counted on this instance. The
   * slot goes back on `disconnect`, or when the transport closes first: a
   * client that hangs up during the handshake never connects and never gets a
   * `disconnect` (socket.io drops it silently). One that hung up while its
   * token was being verified takes no slot at all.
   */
  private takeConnectionSlot(socket: StreamSocket, next: (error?: Error) => void): void {
    if (socket.conn.readyState !== 'open') return next(new Error('the connection closed'));
    const release = this.connectionQuota.tryTake(socket.data.principal.userId);
    if (!release) return next(new Error('too many connections'));
    socket.once('disconnect', release);
    socket.conn.once('close', release);
    next();
  }

  handleDisconnect(socket: StreamSocket): void {
    this.delivery.forgetSocket(socket, socket.data.watching ?? []);
  }

  @StreamCommand('start', { payload: StartCommand, checkRequestAccess: false })
  start(command: StartCommand, { socket }: StreamCommandContext): Promise<{ requestId: string; status: RequestStatus }> {
    return this.startAndJoin(socket as StreamSocket, command);
  }

  @StreamCommand('cancel', { payload: CancelCommand, checkRequestAccess: false })
  async cancel({ requestId }: CancelCommand, { principal }: StreamCommandContext): Promise<{ status: RequestStatus }> {
    return { status: await this.commands.cancel(principal, requestId) };
  }

  @StreamCommand('feedback', { payload: FeedbackCommand, checkRequestAccess: false })
  async feedback(command: FeedbackCommand, { principal }: StreamCommandContext): Promise<void> {
    await this.commands.feedback(principal, command);
  }

  @StreamCommand('rejoin', { payload: RejoinCommand, checkRequestAccess: false })
  async rejoin({ requestId, lastSeq }: RejoinCommand, { socket }: StreamCommandContext): Promise<{ seq: number }> {
    return { seq: await this.watch(socket as StreamSocket, requestId, lastSeq) };
  }

  /** Leaving needs no access: it only ends this socket's own watch. */
  @StreamCommand('leave', { payload: LeaveCommand, checkRequestAccess: false })
  leave({ requestId }: LeaveCommand, { socket }: StreamCommandContext): void {
    this.stopWatching(socket as StreamSocket, requestId);
  }

  /**
   * Every event a client sends. The last argument is the ack when it is a
   * function (nothing else on the wire can be one); a command without it is
   * still carried out. An unknown event gets NOT_FOUND when it has an ack.
   */
  private dispatch(socket: StreamSocket, event: string, args: unknown[]): void {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as AckCallback) : undefined;
    const handler = this.registry.get(event);
    if (!handler && !ack) return;
    void this.runCommand(socket, event, handler, args[0]).then((reply) => ack?.(reply));
  }

  /** The pipeline every command goes through, ours and extension modules': the one place per transport. */
  private async runCommand(socket: StreamSocket, event: string, handler: StreamCommandHandler | undefined, payload: unknown): Promise<Ack | AckFailure> {
    const reply = await this.handle(socket, async (): Promise<Ack> => {
      if (!handler) throw new CommandError(ErrorCode.NOT_FOUND, `no such command: '${event.slice(0, 64)}'`);
      const command = validatePayload(handler.payload, withoutGuideType(payload, handler.name));
      const { principal } = socket.data;
      const request = handler.checkRequestAccess ? await this.requestNamedBy(command, principal) : undefined;
      const result = await handler.invoke(command, { principal, socket, ...(request ? { request } : {}) });
      return { ...(result ?? {}), ok: true };
    });
    this.metrics.command(handler ? handler.name : UNKNOWN_COMMAND_LABEL, reply.ok ? 'ok' : reply.error.code);
    return reply;
  }

  /** The request a payload's `requestId` names, when the caller may act on it (after validation: FORBIDDEN, then NOT_FOUND). */
  private async requestNamedBy(command: object, principal: Principal) {
    const { requestId } = command as { requestId?: unknown };
    if (typeof requestId !== 'string') return undefined;
    const request = await this.store.findRequest(requestId);
    if (!request) throw new CommandError(ErrorCode.NOT_FOUND, 'no such request');
    if (!mayAccess(principal, request.owner)) throw forbidden();
    return request;
  }

  /** Rate limit, run in order, and turn any error into a failure ack. */
  private async handle<T>(socket: StreamSocket, run: () => Promise<T>): Promise<T | AckFailure> {
    if (!socket.data.limiter.tryTake()) {
      return { ok: false, error: { code: ErrorCode.RATE_LIMITED, message: `more than ${this.config.RATE_LIMIT_PER_SECOND} commands per second` } };
    }
    try {
      return await this.inOrder(socket, run);
    } catch (error) {
      return toAckFailure(error);
    }
  }

  /**
   * A socket's commands (and its handshake watch) are carried out one after
   * the other, in the order sent: a `cancel` emitted right after `start`
   * must find the request, and two overlapping rejoins must each get their
   * own `state`. Other sockets are not held up.
   */
  private inOrder<T>(socket: StreamSocket, run: () => Promise<T>): Promise<T> {
    const mine = socket.data.tail.catch(() => undefined).then(run);
    socket.data.tail = mine;
    return mine;
  }

  /** Start, having joined before the first event is recorded so the starter sees every seq from 1. */
  private async startAndJoin(socket: StreamSocket, command: StartCommand): Promise<{ requestId: string; status: RequestStatus }> {
    const { requestId } = command;
    const alreadyWatching = socket.data.watching.has(requestId);
    if (!alreadyWatching) this.beginWatching(socket, requestId);
    try {
      const { created, request } = await this.commands.start(socket.data.principal, command);
      if (!alreadyWatching) this.delivery.completeSync(socket, requestId, created ? 0 : request.lastSeq);
      return { requestId, status: request.status };
    } catch (error) {
      if (!alreadyWatching) this.stopWatching(socket, requestId);
      throw error;
    }
  }

  /**
   * Joins the room and sends one `state` (with the events after `lastSeq`
   * when given), then the live stream with no gap and no repeat. Returns the
   * snapshot's seq.
   */
  private async watch(socket: StreamSocket, requestId: string, lastSeq: number | undefined): Promise<number> {
    const { principal } = socket.data;
    const wasWatching = socket.data.watching.has(requestId);
    this.beginWatching(socket, requestId);
    try {
      // Owner and snapshot come from one read of the row: nothing can be created in between.
      // Bounded on its own (and let past the slow-client limit): a client dropped at that limit must get back all it missed.
      const stateMaxBytes = STATE_MAX_QUEUES * this.config.SLOW_CLIENT_MAX_BYTES;
      const authorize = (owner: string) => {
        if (!mayAccess(principal, owner)) throw forbidden();
      };
      const state = fitState(await this.store.getState(requestId, lastSeq, this.config.REPLAY_LIMIT, authorize, stateMaxBytes), stateMaxBytes);
      this.delivery.completeSync(socket, requestId, state.seq, {
        beforeFlush: () => {
          socket.data.sendQueue.allowNextMessage();
          socket.emit('state', state);
        },
        mayAccess: (owner) => mayAccess(principal, owner),
      });
      return state.seq;
    } catch (error) {
      // A failed rejoin leaves things as they were (UNAVAILABLE: nothing half-done): a watcher keeps its stream.
      if (wasWatching && !(error instanceof CommandError && error.code === ErrorCode.FORBIDDEN)) this.delivery.resumeSync(socket, requestId);
      else this.stopWatching(socket, requestId);
      throw error;
    }
  }

  private beginWatching(socket: StreamSocket, requestId: string): void {
    // A command queued behind others may run after its socket is gone: watch nothing for it.
    if (!socket.connected) throw new CommandError(ErrorCode.UNAVAILABLE, 'the connection closed');
    if (!socket.data.watching.has(requestId) && socket.data.watching.size >= MAX_WATCHED_PER_SOCKET) {
      throw new CommandError(ErrorCode.RATE_LIMITED, `a connection may watch at most ${MAX_WATCHED_PER_SOCKET} requests; leave some first`);
    }
    socket.data.watching.add(requestId);
    this.delivery.beginSync(socket, requestId);
  }

  private stopWatching(socket: StreamSocket, requestId: string): void {
    socket.data.watching.delete(requestId);
    this.delivery.stopWatching(socket, requestId);
  }

  private refuseWatch(socket: StreamSocket, requestId: string, code: ErrorCode, message: string): void {
    const refusal: WatchRefusedMessage = { type: 'error', requestId, code, message };
    socket.emit('error', refusal);
  }

  /**
   * A socket whose send queue passes SLOW_CLIENT_MAX_QUEUED messages or
   * SLOW_CLIENT_MAX_BYTES is dropped, so a client that stops reading cannot
   * grow the heap. Its client reconnects and rejoins with lastSeq: it missed
   * at most the discarded queue plus what was recorded until it rejoined,
   * which REPLAY_LIMIT covers when the queue limit stays below it.
   */
  private dropWhenTooSlow(socket: Socket): SendQueueMeter {
    const limits = { maxMessages: this.config.SLOW_CLIENT_MAX_QUEUED, maxBytes: this.config.SLOW_CLIENT_MAX_BYTES };
    return new SendQueueMeter(socket.conn as never, limits, ({ messages, bytes }) => {
      this.logger.warn(`dropping slow client ${socket.id} (${messages} messages, ${bytes} bytes queued)`);
      // Discard the backlog and close the transport: a server-side disconnect would first
      // wait for the backlog to drain and would tell the client not to reconnect.
      socket.conn.close(true);
    });
  }
}

/**
 * The guide's `{ type: '<event>', … }`: a `type` equal to the event name is
 * accepted and set aside, so a DTO need not declare it; any other `type` is
 * left for validation to refuse.
 */
function withoutGuideType(payload: unknown, name: string): unknown {
  if (payload === null || typeof payload !== 'object' || (payload as { type?: unknown }).type !== name) return payload;
  const { type: _type, ...rest } = payload as Record<string, unknown>;
  return rest;
}
