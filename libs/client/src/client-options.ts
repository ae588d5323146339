import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { RetryPolicy } from './command-retry';

/** A token, or a function that fetches one: called before every (re)connect, so expiring tokens refresh themselves. */
export type TokenSource = string | (() => string | Promise<string>);

export interface ClientOptions {
  /** The gateway, e.g. `http://localhost:3001`; in a page served by the gateway, `location.origin`. */
  url: string;
  token: TokenSource;
  /** How commands are retried while the gateway answers `UNAVAILABLE`. */
  retry?: Partial<RetryPolicy>;
  /** Passed to socket.io-client (`transports`, `reconnectionDelay`, …); `auth` and `autoConnect` are the client's own. */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * - `connecting`: the first connection is being made (and watched requests loaded);
 * - `live`: connected, every watched request up to date;
 * - `recovering`: the connection dropped or came back, watched requests are catching up;
 * - `offline`: the gateway cannot be reached (retrying in the background), or the client was closed.
 */
export type ConnectionStatus = 'connecting' | 'live' | 'recovering' | 'offline';
