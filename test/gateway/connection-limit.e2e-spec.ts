/**
 * docs/protocol.md §5 `MAX_CONNECTIONS_PER_USER` (default 100): one token `sub`
 * holds at most that many sockets on a gateway instance; past it the
 * handshake gets `connect_error` 'too many connections'.
 */
import type { INestApplication } from '@nestjs/common';
import { eventually } from '../support/admin-http';
import { closeAll, connectAs, handshakeOutcome, newUser, startGateway } from '../support/gateway-harness';
import { StreamClient } from '../support/stream-client';
import { mintToken } from '../support/tokens';

const DEFAULT_LIMIT = 100;

/** How a handshake of `userId` (with a valid token) ends. */
const handshake = (url: string, userId: string) => handshakeOutcome(url, mintToken(userId));

describe('MAX_CONNECTIONS_PER_USER (default)', () => {
  let app: INestApplication;
  let url: string;
  const alice = newUser('alice');
  let sockets: StreamClient[] = [];

  beforeAll(async () => {
    ({ app, url } = await startGateway({ MAX_CONNECTIONS_PER_USER: undefined }));
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await closeAll(app);
  });

  it(`the ${DEFAULT_LIMIT + 1}st socket of one user is refused with 'too many connections'; another user connects fine`, async () => {
    sockets = await Promise.all(Array.from({ length: DEFAULT_LIMIT }, () => connectAs(url, alice)));
    expect(sockets.every((socket) => socket.socket.connected)).toBe(true);

    expect(await handshake(url, alice)).toBe('too many connections');
    // A refusal takes no slot: the next attempt is refused the same way, not differently.
    expect(await handshake(url, alice)).toBe('too many connections');
    expect(await handshake(url, newUser('bob'))).toBe('connected');
  });

  it('a bad token is still refused as unauthorized, before any counting', async () => {
    expect(await handshakeOutcome(url, mintToken(alice, { expiresIn: -10 }))).toBe('unauthorized');
  });

  it('after one socket disconnects a new one is accepted, and only one', async () => {
    sockets.pop()!.close();
    // The server learns of the close a moment later; refused attempts in between take nothing.
    const replacement = await eventually(
      () => connectAs(url, alice).catch(() => null),
      (client) => client !== null,
      5000,
      50,
    );
    expect(replacement?.socket.connected).toBe(true);
    sockets.push(replacement!);
    expect(await handshake(url, alice)).toBe('too many connections');
  });

  it('slots do not leak: after every socket closes, the user again gets the full number', async () => {
    sockets.forEach((socket) => socket.close());
    const again = await eventually(
      async () => {
        const attempts = await Promise.all(Array.from({ length: DEFAULT_LIMIT }, () => connectAs(url, alice).catch(() => null)));
        const connected = attempts.filter((client): client is StreamClient => client !== null);
        if (connected.length < DEFAULT_LIMIT) connected.forEach((client) => client.close());
        return connected;
      },
      (connected) => connected.length === DEFAULT_LIMIT,
      5000,
      200,
    );
    sockets = again;
    expect(again).toHaveLength(DEFAULT_LIMIT);
    expect(await handshake(url, alice)).toBe('too many connections');
  });
});

describe('MAX_CONNECTIONS_PER_USER=2', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startGateway({ MAX_CONNECTIONS_PER_USER: '2' }));
  });
  afterAll(() => closeAll(app));

  it('the configured number holds, over both transports', async () => {
    const carol = newUser('carol');
    const token = mintToken(carol);
    const first = await StreamClient.connect(url, { token, transports: ['polling'] });
    const second = await StreamClient.connect(url, { token, transports: ['websocket'] });
    expect(await handshakeOutcome(url, token, { transports: ['polling'] })).toBe('too many connections');
    first.close();
    second.close();
  });
});
