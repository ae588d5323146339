import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfigOrExit, type AppConfig } from '@app/config';
import { signTokenFor } from '@app/auth';
import { ensurePortFree } from './port-holder';

/**
 * `npm start`: the gateway and the demo agents as two processes (as in
 * production, where each is scaled on its own), then how to watch a demo.
 */
const APPS = join(__dirname, '..', 'apps');
const children: ChildProcess[] = [];

function run(name: string, entry: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(process.execPath, [join(APPS, entry)], { stdio: 'inherit', env });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${signal ?? code}); stopping.`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}

async function waitReady(url: string, gateway: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && gateway.exitCode === null) {
    if (await fetch(`${url}/health/ready`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`the gateway did not become ready at ${url}/health/ready`);
}

function banner(config: AppConfig, url: string, agentHttpPort: number): string {
  const worker = `http://localhost:${agentHttpPort}`;
  if (!config.acceptsHs256) {
    return `\n Gateway and demo agents are running at ${url} (agent worker health and metrics at ${worker}); sign in with a token from your identity provider (JWT_JWKS_URL).\n`;
  }
  const token = signTokenFor(config, { sub: 'demo-user' }, 24 * 3600);
  const adminToken = signTokenFor(config, { sub: 'ops', roles: ['admin'] }, 24 * 3600);
  return [
    '',
    '──────────────────────────────────────────────────────────────────────',
    ` Gateway and demo agents are running.`,
    ` Open the live page:   ${url}/#token=${token}`,
    ` Operator console:     ${url}/console#token=${adminToken}`,
    `                       (admin "ops", 24 h: every request, the cluster, health, dead letters)`,
    ` Or from a terminal:   npm run demo`,
    ` Token for "demo-user" (24 h):`,
    `   ${token}`,
    ` Mint others:          npm run token -- <user> [--admin]`,
    ` Readiness:            ${url}/health/ready      Stop: Ctrl+C`,
    ` Agent worker:         ${worker}/health/ready   ${worker}/metrics`,
    '──────────────────────────────────────────────────────────────────────',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  // Loads `.env` into process.env too, so the gateway and agents started below inherit it.
  const config = loadConfigOrExit('quick start');
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  const url = `http://localhost:${config.PORT}`;
  // The worker's health and metrics port (PROTOCOL §5): AGENT_HTTP_PORT, else the one after the gateway's.
  const agentHttpPort = config.AGENT_HTTP_PORT ?? config.PORT + 1;
  // Before anything starts: an old instance on the port would answer the readiness check below.
  await ensurePortFree(config.PORT, 'PORT');
  await ensurePortFree(agentHttpPort, 'AGENT_HTTP_PORT');
  const gateway = run('gateway', 'gateway/src/main.js');
  await waitReady(url, gateway);
  run('agents', 'agents/src/main.js', { ...process.env, AGENT_HTTP_PORT: String(agentHttpPort) });
  console.log(banner(config, url, agentHttpPort));
}

main().catch((error: Error) => {
  console.error(`quick start failed: ${error.message}`);
  stop(1);
});
