import { io, type Socket } from 'socket.io-client';
import { sleep } from '../common';
import type { TargetEndpoint } from './protocol';

/** How long one connection, snapshot or command may take before the run fails. */
const CONNECT_TIMEOUT_MS = 60_000;

/**
 * A frontend's connection as docs/protocol.md §1 describes it: websocket
 * transport, `query.requestId` to watch at once, `auth.token`. No
 * reconnection: a dropped connection must show up as a disconnect and as
 * lost events, not be papered over.
 */
export function openSocket(target: TargetEndpoint, requestId?: string): Socket {
  return io(target.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    query: requestId ? { requestId } : undefined,
    auth: target.token ? { token: target.token } : undefined,
  });
}

/**
 * Resolves once the socket watches: for the product, its handshake `state`
 * (sent after the socket joined the room); for the relay, `connect` (the
 * relay joins the room before it handles anything else).
 */
export function watching(socket: Socket, target: TargetEndpoint, requestId?: string): Promise<void> {
  const event = target.kind === 'product' && requestId ? 'state' : 'connect';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${event} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off('connect_error', failed).off('error', refused).off(event, ok);
      if (error) reject(new Error(`watching ${requestId ?? '(no request)'}: ${error.message}`));
      else resolve();
    };
    const ok = () => done();
    const failed = (error: Error) => done(new Error(`connect_error ${error.message}`));
    const refused = (message: { message?: string }) => done(new Error(`watch refused: ${message?.message}`));
    socket.once(event, ok).once('connect_error', failed).once('error', refused);
  });
}

/** Runs `task` over `items`, at most `limit` at once. */
export async function eachLimited<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Starts per socket, in sequence: within the command rate docs/protocol.md guarantees (at least 20 per second per socket). */
const STARTS_PER_SOCKET = 15;
/** Starts in flight per load process: thousands at once only queue up in the server and time out. */
const STARTING_SOCKETS_AT_ONCE = 20;
/** A `RATE_LIMITED` start is retried after this pause, a few times. */
const RATE_LIMITED_PAUSE_MS = 1000;
const RATE_LIMITED_RETRIES = 5;

/**
 * Creates the product's requests the way a frontend does (`start`), then
 * closes the starting sockets so that they receive nothing during the run.
 */
export async function startRequests(target: TargetEndpoint, requestIds: string[]): Promise<void> {
  const groups = Array.from({ length: Math.ceil(requestIds.length / STARTS_PER_SOCKET) }, (_, i) =>
    requestIds.slice(i * STARTS_PER_SOCKET, (i + 1) * STARTS_PER_SOCKET),
  );
  await eachLimited(groups, STARTING_SOCKETS_AT_ONCE, async (group) => {
    const socket = openSocket(target);
    try {
      await watching(socket, target);
      for (const requestId of group) await startOne(socket, requestId);
    } finally {
      socket.disconnect();
    }
  });
}

async function startOne(socket: Socket, requestId: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await command(socket, 'start', { requestId, userQuery: 'bench' });
      return;
    } catch (error) {
      if (!(error as Error).message.includes('RATE_LIMITED') || attempt >= RATE_LIMITED_RETRIES) throw error;
      await sleep(RATE_LIMITED_PAUSE_MS);
    }
  }
}

/** Sends a command and returns its ack; a failure ack throws with the product's error. */
export async function command(socket: Socket, event: string, payload: object): Promise<{ ok: true } & Record<string, unknown>> {
  const ack = await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck(event, payload);
  if (!ack?.ok) throw new Error(`${event} ${JSON.stringify(payload)} failed: ${JSON.stringify(ack)}`);
  return ack;
}
