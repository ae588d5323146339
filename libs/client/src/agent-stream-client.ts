import { io, type Socket } from 'socket.io-client';
import {
  ErrorCode,
  RECORDED_TYPES,
  type AckFailure,
  type CancelAck,
  type ClientToServerEvents,
  type FeedbackAck,
  type RecordedMessage,
  type RejoinAck,
  type ServerToClientEvents,
  type StartAck,
  type StateMessage,
  type WatchRefusedMessage,
} from '@app/contracts/wire';
import type { RequestStatus } from '@app/contracts/request-status';
import { ClientCommandError, ClientErrorCode } from './client-error';
import type { ClientOptions, ConnectionStatus } from './client-options';
import { DEFAULT_RETRY, backoffDelay, sendWithRetry, type RetryPolicy } from './command-retry';
import { RequestTracker } from './request-tracker';

type StreamSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface StartInput {
  /** Defaults to a fresh random id. Starting the same id again is idempotent. */
  requestId?: string;
  userQuery: string;
  context?: Record<string, unknown>;
  /** The agents' workflow; absent: the default one. NOT_FOUND when no agent serves it. */
  workflow?: string;
}

/** A watched request: its live picture, its events, and the commands that concern it. */
export interface RequestWatch extends Pick<RequestTracker, 'requestId' | 'getSnapshot' | 'subscribe' | 'on'> {
  /** The current picture (same as `getSnapshot()`). */
  readonly state: ReturnType<RequestTracker['getSnapshot']>;
  cancel(): Promise<RequestStatus>;
  answer(questionId: string, answer: string): Promise<void>;
  /** Stops watching (the request goes on). */
  close(): Promise<void>;
}

export interface AgentStreamClient {
  readonly status: ConnectionStatus;
  /** Why the last connection attempt failed (`'unauthorized'`, a transport error…); cleared on connect. Status listeners hear of it. */
  readonly connectionError: string | undefined;
  /** For React's `useSyncExternalStore(client.subscribeStatus, client.getStatus)`. */
  getStatus(): ConnectionStatus;
  subscribeStatus(listener: () => void): () => void;
  start(input: StartInput): Promise<{ requestId: string; status: RequestStatus }>;
  watch(requestId: string): RequestWatch;
  cancel(requestId: string): Promise<RequestStatus>;
  answer(requestId: string, questionId: string, answer: string): Promise<void>;
  /** Closes the connection for good. */
  close(): void;
  /** The underlying socket.io-client socket: for diagnostics and tests, not for listening. */
  readonly socket: StreamSocket;
}

/** The `connect_error` message of a handshake whose token the gateway refused (docs/protocol.md §1, Connecting). */
const TOKEN_REFUSED = 'unauthorized';

/** Random enough for a request id, in browsers served over plain http too (where `crypto.randomUUID` is missing). */
function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `req-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A typed client for the gateway. Socket listeners are registered once,
 * here; every (re)connect rejoins each watched request with the last seq it
 * has, so the application sees every event once, in order.
 */
export function createClient(options: ClientOptions): AgentStreamClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const socket: StreamSocket = io(options.url, {
    // WebSocket first: one upgrade request, then one connection held by one gateway instance, so any
    // load balancer works without sticky sessions. Polling only where a WebSocket cannot open (a proxy
    // that refuses upgrades); with more than one instance, that fallback needs sticky sessions.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    ...options.socket,
    autoConnect: false,
    // Called before every connection attempt: a token function refreshes expiring tokens.
    auth: (cb) => {
      Promise.resolve(typeof options.token === 'function' ? options.token() : options.token).then(
        (token) => cb({ token }),
        () => cb({}),
      );
    },
  });
  const watches = new Map<string, RequestWatch & { tracker: RequestTracker }>();
  /** Watched requests with a rejoin under way: its `state` will bring whatever a live gap skipped. */
  const rejoining = new Set<string>();
  /** Those among them rejoining after a (re)connect: the status is not `live` until they are done. */
  const catchingUp = new Set<string>();
  const statusListeners = new Set<() => void>();
  let status: ConnectionStatus = 'connecting';
  let everLive = false;
  let failedAttempts = 0;
  let connectionError: string | undefined;
  let closed = false;
  /** Handshakes refused as `unauthorized` since the last connect. */
  let refusedInARow = 0;
  /** Commands waiting for a connection: told of every connect, refusal and close. */
  const connectionWaiters = new Set<() => void>();

  /**
   * Why no command can go through now, if the client knows it will not: it
   * was closed, or the gateway refused the token and there is no other to
   * offer — a string cannot change, and a token function already had its
   * fresh token refused too. Waiting would only end in a timeout.
   */
  function hopeless(): ClientCommandError | undefined {
    if (closed) return new ClientCommandError({ code: ErrorCode.UNAVAILABLE, message: 'the client is closed' });
    if (refusedInARow >= (typeof options.token === 'function' ? 2 : 1)) {
      return new ClientCommandError({ code: ClientErrorCode.UNAUTHORIZED, message: `the gateway refused the token (connect_error '${TOKEN_REFUSED}'): expired, malformed or signed with another key` });
    }
    return undefined;
  }

  /**
   * Calls `send` once connected (at once if connected now), synchronously, so that commands issued
   * while disconnected go out on connect in the order they were issued, before the rejoins (as
   * socket.io's own send buffer would have it). Fails when the client gives up hope, or after `timeoutMs`.
   */
  function whenConnected<T>(timeoutMs: number, send: (timeLeftMs: number) => Promise<T>): Promise<T> {
    const since = Date.now();
    return new Promise((resolve, reject) => {
      const check = () => {
        const refusal = hopeless();
        if (refusal) reject(refusal);
        else if (socket.connected) send(Math.max(1, timeoutMs - (Date.now() - since))).then(resolve, reject);
        else return;
        clearTimeout(timer);
        connectionWaiters.delete(check);
      };
      const timer = setTimeout(() => {
        connectionWaiters.delete(check);
        reject(new Error(`not connected within ${timeoutMs} ms`));
      }, timeoutMs);
      connectionWaiters.add(check);
      check();
    });
  }
  const tellConnectionWaiters = () => [...connectionWaiters].forEach((check) => check());

  function currentStatus(): ConnectionStatus {
    if (closed) return 'offline';
    if (!socket.connected) return failedAttempts > 0 ? 'offline' : everLive ? 'recovering' : 'connecting';
    if (catchingUp.size > 0) return everLive ? 'recovering' : 'connecting';
    return 'live';
  }

  /** Tells status listeners when the status or the connection error changed since they last heard. */
  let toldError: string | undefined;
  function updateStatus(): void {
    const next = currentStatus();
    if (next === 'live') everLive = true;
    if (next === status && connectionError === toldError) return;
    status = next;
    toldError = connectionError;
    statusListeners.forEach((listener) => listener());
  }

  async function command<A extends { ok: true }>(event: keyof ClientToServerEvents, payload: object): Promise<A> {
    // A command waits for the connection itself rather than in socket.io's send buffer, so that a
    // refused token fails it at once instead of leaving it there until its acknowledgement times out.
    const send = (timeoutMs: number) =>
      whenConnected(timeoutMs, (left) => (socket.timeout(left) as unknown as Socket).emitWithAck(event, payload) as Promise<A | AckFailure>);
    return sendWithRetry(send, policy) as Promise<A>;
  }

  /** Joins the request's room and gets what is missing after our last seq (in a `state`, before the ack). */
  function rejoin(requestId: string, catchUp: boolean): void {
    const watch = watches.get(requestId);
    if (!watch || !socket.connected) return;
    rejoining.add(requestId);
    if (catchUp) catchingUp.add(requestId);
    updateStatus();
    const done = () => {
      rejoining.delete(requestId);
      catchingUp.delete(requestId);
      updateStatus();
    };
    command<RejoinAck>('rejoin', { requestId, lastSeq: watch.tracker.seq }).then(done, (error: ClientCommandError) => {
      // The token was refused meanwhile: the next connect rejoins, nothing is wrong with the watch.
      if (error.code === ClientErrorCode.UNAUTHORIZED) return done();
      // Still unavailable after the retries: keep trying while connected (a reconnect rejoins anyway).
      if (error.code === ErrorCode.UNAVAILABLE && socket.connected && watches.get(requestId) === watch) {
        const wasCatchingUp = catchingUp.has(requestId);
        setTimeout(() => {
          done();
          rejoin(requestId, wasCatchingUp);
        }, policy.maxDelayMs);
        return;
      }
      watches.get(requestId)?.tracker.refuse({ code: error.code, message: error.message });
      done();
    });
  }

  // Listeners, once for the life of the client (never inside 'connect').
  socket.on('connect', () => {
    failedAttempts = 0;
    refusedInARow = 0;
    connectionError = undefined;
    tellConnectionWaiters();
    for (const requestId of watches.keys()) rejoin(requestId, true);
    updateStatus();
  });
  socket.on('disconnect', () => updateStatus());
  socket.on('connect_error', (error) => {
    failedAttempts++;
    refusedInARow = error.message === TOKEN_REFUSED ? refusedInARow + 1 : 0;
    connectionError = error.message;
    updateStatus();
    tellConnectionWaiters();
    // A refused handshake is not retried by socket.io; a token function may have a fresh token next time.
    if (!socket.active && !closed && typeof options.token === 'function') {
      setTimeout(() => closed || socket.connect(), backoffDelay(Math.min(failedAttempts, 6), policy));
    }
  });
  socket.on('state', (state: StateMessage) => watches.get(state.requestId)?.tracker.receiveState(state));
  const onRecorded = (message: RecordedMessage) => {
    const watch = watches.get(message.requestId);
    // A gap: live messages that came before the watch did (a `start` joins the room at once), or one
    // lost on the way. The `state` of a rejoin covers it; ask for one unless it is already coming.
    if (watch?.tracker.receive(message) === 'gap' && !rejoining.has(message.requestId)) rejoin(message.requestId, false);
  };
  for (const type of RECORDED_TYPES) {
    if (type === 'error') continue;
    (socket as unknown as Socket).on(type, onRecorded);
  }
  socket.on('error', (message: RecordedMessage | WatchRefusedMessage) => {
    if ('seq' in message) onRecorded(message);
    else watches.get(message.requestId)?.tracker.refuse({ code: message.code, message: message.message });
  });

  const client: AgentStreamClient = {
    get status() {
      return status;
    },
    get connectionError() {
      return connectionError;
    },
    getStatus: () => status,
    subscribeStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    socket,
    async start({ requestId = newRequestId(), userQuery, context, workflow }) {
      const ack = await command<StartAck>('start', {
        requestId,
        userQuery,
        ...(context === undefined ? {} : { context }),
        ...(workflow === undefined ? {} : { workflow }),
      });
      return { requestId: ack.requestId, status: ack.status };
    },
    async cancel(requestId) {
      return (await command<CancelAck>('cancel', { requestId })).status;
    },
    async answer(requestId, questionId, answer) {
      await command<FeedbackAck>('feedback', { requestId, questionId, answer });
    },
    watch(requestId) {
      const existing = watches.get(requestId);
      if (existing) return existing;
      const tracker = new RequestTracker(requestId);
      const watch = {
        tracker,
        requestId,
        get state() {
          return tracker.getSnapshot();
        },
        getSnapshot: tracker.getSnapshot,
        subscribe: tracker.subscribe,
        on: tracker.on.bind(tracker) as RequestTracker['on'],
        cancel: () => client.cancel(requestId),
        answer: (questionId: string, answer: string) => client.answer(requestId, questionId, answer),
        async close() {
          if (watches.get(requestId) !== watch) return;
          watches.delete(requestId);
          if (socket.connected) await command<{ ok: true }>('leave', { requestId });
        },
      };
      watches.set(requestId, watch);
      rejoin(requestId, false);
      return watch;
    },
    close() {
      closed = true;
      socket.disconnect();
      updateStatus();
      tellConnectionWaiters();
    },
  };
  socket.connect();
  return client;
}
