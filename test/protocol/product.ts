import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { closeAll, startAgents, startGateway } from '../support/gateway-harness';
import { mintToken } from '../support/tokens';
import { Client } from './client';

export interface ConnectOptions {
  requestId?: string;
  roles?: string[];
  transports?: string[];
}

/**
 * The product for one test file: a gateway (and the demo agents, unless the
 * file plays the agent itself) started before its tests and stopped after
 * them, with every client the file opened. Read `url` inside tests.
 */
export function productUnderTest(options: { agents?: boolean } = {}) {
  let gateway: INestApplication | undefined;
  let agents: INestApplicationContext | undefined;
  const open: Client[] = [];
  const product = {
    url: '',
    /** Closed with the product. */
    track(client: Client): Client {
      open.push(client);
      return client;
    },
    /** A connected client for `user`, with a valid token. */
    async connect(user: string, { requestId, roles, transports }: ConnectOptions = {}): Promise<Client> {
      return product.track(await Client.connect(product.url, { token: mintToken(user, { roles }), requestId, transports }));
    },
  };
  beforeAll(async () => {
    const started = await startGateway();
    gateway = started.app;
    product.url = started.url;
    if (options.agents !== false) agents = await startAgents();
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await closeAll(agents, gateway);
  });
  return product;
}

/** `context` shaping a short demo run (docs/protocol.md §4). */
export const demo = (knobs: Record<string, number>) => ({ demo: { stepDelayMs: 30, ...knobs } });
