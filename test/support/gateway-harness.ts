import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication, type INestApplicationContext, type Provider, type Type } from '@nestjs/common';
import { Queues } from '@app/contracts';
import { createGatewayApp, type GatewayAppOptions } from '../../apps/gateway/src/create-gateway-app';
import { TestBroker } from './broker';
import { StreamClient } from './stream-client';
import { mintToken } from './tokens';

/**
 * A gateway on a random port, in this process, against the run's private vhost and database.
 * `env` overrides settings for this gateway only (`undefined` unsets one); the configuration is
 * read while the app is created, so the environment is restored right after.
 * `options.imports`: extension modules, composed in as `createGatewayApp` does for a team.
 */
export async function startGateway(
  env: Record<string, string | undefined> = {},
  options: GatewayAppOptions = {},
): Promise<{ app: INestApplication; url: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  let app: INestApplication;
  try {
    app = await createGatewayApp(options);
  } finally {
    apply(saved);
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

export async function closeAll(...apps: Array<INestApplicationContext | undefined>): Promise<void> {
  for (const app of apps) {
    if (!app) continue;
    // A close that hangs fails the hook with no hint of which app: say which one is slow (agent workers drain runs for up to 5 s).
    const slow = setTimeout(() => console.warn(`closing ${app.constructor.name} (${describeApp(app)}) takes more than 10 s`), 10_000);
    try {
      await app.close();
    } finally {
      clearTimeout(slow);
    }
  }
}

function describeApp(app: INestApplicationContext): string {
  const modules = (app as unknown as { container?: { getModules(): Map<string, { name: string }> } }).container?.getModules();
  return modules ? [...modules.values()].map((m) => m.name).filter((n) => /Gateway|Agents|Agent/.test(n)).slice(0, 3).join(', ') : 'unknown';
}

/** Both ways a gateway writes its batches (RECORDING_THREAD), as [where, value]: for suites that run in each. */
export const RECORDING_MODES: Array<[string, string]> = [
  ['on the event loop', 'false'],
  ['on the recording thread', 'true'],
];

export const newRequestId = (label = 'req') => `${label}-${randomUUID()}`;
export const newUser = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}`;

/** Connects as a fresh user (or the given one) with a valid token. */
export function connectAs(url: string, userId: string, options: { requestId?: string; roles?: string[] } = {}): Promise<StreamClient> {
  return StreamClient.connect(url, { token: mintToken(userId, { roles: options.roles }), requestId: options.requestId });
}

/**
 * How a handshake with `token` ends: 'connected' (the socket is closed again)
 * or the `connect_error` message ('unauthorized', 'too many connections').
 */
export function handshakeOutcome(url: string, token: string, options: { transports?: string[] } = {}): Promise<string> {
  return StreamClient.connect(url, { token, transports: options.transports }).then(
    (client) => {
      client.close();
      return 'connected';
    },
    (error: Error) => error.message,
  );
}

/** A demo run shaped by docs/protocol.md §4 `context.demo`. */
export function demoContext(demo: Record<string, number>): Record<string, unknown> {
  return { demo: { stepDelayMs: 50, ...demo } };
}

/** The demo agent worker, in this process. */
export async function startAgents(): Promise<INestApplicationContext> {
  const { AgentsModule } = await import('../../apps/agents/src/agents.module');
  return startContext(AgentsModule);
}

/** An agent worker running `workflows` (`@AgentWorkflow` classes) and their `providers`, in this process. */
export async function startAgentWorker(workflows: Provider[], providers: Provider[] = []): Promise<INestApplicationContext> {
  const { AgentKitModule } = await import('@app/agent-kit');
  const { AppConfigModule, AppLoggingModule } = await import('@app/config');
  const { MessagingModule } = await import('@app/messaging');
  @Module({ imports: [AppConfigModule, AppLoggingModule, MessagingModule, AgentKitModule.forRoot({ providers: [...workflows, ...providers] })] })
  class AgentWorkerModule {}
  return startContext(AgentWorkerModule);
}

async function startContext(module: Type): Promise<INestApplicationContext> {
  const { NestFactory } = await import('@nestjs/core');
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  await app.init();
  return app;
}

/**
 * Runs a gateway and the demo agents for the enclosing describe block
 * (beforeAll / afterAll). Read `url` inside tests, once they run.
 */
export function withGatewayAndAgents(): { readonly url: string; readonly gateway?: INestApplication } {
  const running: { url: string; gateway?: INestApplication; agents?: INestApplicationContext } = { url: '' };
  beforeAll(async () => {
    const { app, url } = await startGateway();
    Object.assign(running, { gateway: app, url, agents: await startAgents() });
  });
  afterAll(() => closeAll(running.agents, running.gateway));
  return running;
}

/**
 * For the describe block it is called in: a gateway (started by `start`, called in beforeAll so it
 * may use what earlier hooks set up), `owner`'s socket to it, and a broker connection for playing the
 * agents. On the way out, start commands no agent took are purged so later files in the vhost do not get them.
 */
export function withGatewayClientAndBroker(
  owner: string,
  start: () => Promise<{ app: INestApplication; url: string }> = () => startGateway(),
): { readonly gateway: INestApplication; readonly url: string; readonly client: StreamClient; readonly broker: TestBroker } {
  const running: { gateway?: INestApplication; url: string; client?: StreamClient; broker?: TestBroker } = { url: '' };
  beforeAll(async () => {
    const { app, url } = await start();
    Object.assign(running, { gateway: app, url });
    running.client = await connectAs(url, owner);
    running.broker = await TestBroker.connect();
  });
  afterAll(async () => {
    running.client?.close();
    await closeAll(running.gateway);
    await running.broker?.channel.purgeQueue(Queues.agentStart);
    await running.broker?.close();
  });
  return running as { gateway: INestApplication; url: string; client: StreamClient; broker: TestBroker };
}
