import { spawn } from 'node:child_process';
import { appendFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawnGateway, type AppProcess } from '../support/gateway-process';
import { copyProject, removeProjectCopy, runNpmScript, type CommandResult } from '../support/project-copy';

/**
 * The npm scripts a new user runs (README quick start), run as they run them,
 * in a copy of the project: they must never break an instance that is running.
 */
let dir: string;
const dist = () => join(dir, 'dist');
const mtime = (path: string) => statSync(join(dist(), path)).mtimeMs;
const SERVED = ['apps/gateway/public/index.html', 'apps/gateway/public/assets/app.js', 'apps/gateway/src/main.js', 'scripts/mint-token.js'];

beforeAll(async () => {
  dir = copyProject();
  const build = await runNpmScript(dir, 'build');
  if (build.code !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
}, 240_000);

afterAll(() => removeProjectCopy(dir));

/** A server on a free port that answers every request 200, as an old instance's readiness would. */
async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer((_request, response) => response.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Runs a compiled app of the copy to its exit (it is expected to fail to start). */
function runToExit(main: string, env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dist(), main)], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (result: CommandResult) => `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.trim() !== '');

describe('helper commands beside a running gateway', () => {
  let gateway: AppProcess & { url: string };

  beforeAll(async () => {
    gateway = await spawnGateway(dist());
  }, 60_000);

  afterAll(() => gateway?.stop());

  it('npm run token builds nothing when nothing changed since the last build', async () => {
    const before = SERVED.map(mtime);
    const result = await runNpmScript(dir, 'token', ['bob']);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/); // only the token on stdout
    expect(result.stderr).not.toContain('building');
    expect(SERVED.map(mtime)).toEqual(before);
  }, 60_000);

  it('after a source change it rebuilds in place, and the running gateway serves its page throughout (never 503)', async () => {
    const before = SERVED.map(mtime);
    appendFileSync(join(dir, 'scripts', 'mint-token.ts'), '\nvoid 0; // an edit\n');
    appendFileSync(join(dir, 'apps', 'gateway', 'web', 'main.ts'), '\n// an edit\n');
    const statuses: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        for (const path of ['/', '/assets/app.js']) statuses.push(await fetch(`${gateway.url}${path}`).then((r) => r.status, () => 0));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const result = await runNpmScript(dir, 'token', ['bob']);
    polling = false;
    await poll;
    expect(result).toMatchObject({ code: 0 });
    expect(result.stderr).toContain('building (sources changed since the last build)');
    // The edited sources' outputs were rebuilt; the gateway's own code, unchanged, was not rewritten.
    expect(SERVED.map(mtime).map((after, i) => after > before[i])).toEqual([true, true, false, true]);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  }, 180_000);

  it('npm run token refuses an unknown flag instead of minting a 24 h token', async () => {
    const result = await runNpmScript(dir, 'token', ['bob', '--hour', '1']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("Unknown option '--hour'");
    expect(result.stderr).toContain('usage: npm run token -- <user> [--admin] [--hours N]');
  }, 60_000);
});

describe('npm start', () => {
  it('runs the gateway and a worker with its health and metrics on, and prints both addresses and the console with an admin token', async () => {
    const { server: a, port: gatewayPort } = await occupiedPort();
    const { server: b, port: workerPort } = await occupiedPort();
    await Promise.all([a, b].map((s) => new Promise((resolve) => s.close(resolve))));
    // Its own process group, so that stopping it stops the gateway and the worker it started.
    const child = spawn('npm', ['run', '--silent', 'start'], {
      cwd: dir,
      env: { ...process.env, PORT: String(gatewayPort), AGENT_HTTP_PORT: String(workerPort), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('Agent worker:') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(stdout).toContain('Gateway and demo agents are running.');
      expect(stdout).toContain(`Agent worker:         http://localhost:${workerPort}/health/ready   http://localhost:${workerPort}/metrics`);
      let ready = 0;
      for (const until = Date.now() + 20_000; ready !== 200 && Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 200))) {
        ready = await fetch(`http://127.0.0.1:${workerPort}/health/ready`).then((r) => r.status, () => 0);
      }
      expect(ready).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text()).toContain('agent_stream_agent_runs_in_progress');
      // Beside the page's, the operator console's URL with an admin token: the console is served and the token opens the admin API.
      const consoleUrl = /Operator console: +(http:\/\/localhost:\d+\/console)#token=(\S+)/.exec(stdout);
      expect(consoleUrl?.[1]).toBe(`http://localhost:${gatewayPort}/console`);
      expect(await (await fetch(`http://127.0.0.1:${gatewayPort}/console`)).text()).toContain('Operator console');
      const health = await fetch(`http://127.0.0.1:${gatewayPort}/admin/health`, { headers: { authorization: `Bearer ${consoleUrl![2]}` } });
      expect(health.status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  }, 120_000);
});

describe('npm start on a busy port', () => {
  it('says which process holds PORT, exits non-zero and prints no "running" banner', async () => {
    const { server, port } = await occupiedPort();
    try {
      const result = await runNpmScript(dir, 'start', [], { PORT: String(port) });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`PORT=${port} is in use: process ${process.pid} (`);
      expect(`${result.stdout}${result.stderr}`).not.toContain('running');
    } finally {
      server.close();
    }
  }, 60_000);

  it('checks the agent worker\'s AGENT_HTTP_PORT too, before starting anything', async () => {
    const { server, port } = await occupiedPort();
    const { server: free, port: freePort } = await occupiedPort();
    free.close();
    try {
      const result = await runNpmScript(dir, 'start', [], { PORT: String(freePort), AGENT_HTTP_PORT: String(port) });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`AGENT_HTTP_PORT=${port} is in use: process ${process.pid} (`);
      expect(`${result.stdout}${result.stderr}`).not.toContain('running');
    } finally {
      server.close();
    }
  }, 60_000);
});

describe('a service that cannot start logs JSON lines naming the setting', () => {
  const expectJsonNaming = (result: CommandResult, setting: string) => {
    expect(result.code).toBe(1);
    const parsed = lines(result).map((line) => {
      try {
        return JSON.parse(line) as { level: number; msg: string };
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    const fatal = parsed.filter((entry) => entry.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].msg).toContain(setting);
  };

  it('the gateway with an invalid PORT', async () => {
    expectJsonNaming(await runToExit('apps/gateway/src/main.js', { PORT: 'abc' }), 'PORT="abc"');
  }, 60_000);

  it('the gateway on a port in use (after Nest has logged its start-up)', async () => {
    const { server, port } = await occupiedPort();
    try {
      const result = await runToExit('apps/gateway/src/main.js', { PORT: String(port) });
      expectJsonNaming(result, `PORT=${port}: the port is already in use`);
      expect(lines(result).length).toBeGreaterThan(3); // Nest's own start-up lines came out as JSON too
    } finally {
      server.close();
    }
  }, 60_000);

  it('the agent worker with an invalid AGENT_HTTP_PORT, and on one in use', async () => {
    expectJsonNaming(await runToExit('apps/agents/src/main.js', { AGENT_HTTP_PORT: 'x' }), 'AGENT_HTTP_PORT="x"');
    const { server, port } = await occupiedPort();
    try {
      expectJsonNaming(await runToExit('apps/agents/src/main.js', { AGENT_HTTP_PORT: String(port) }), `AGENT_HTTP_PORT=${port}`);
    } finally {
      server.close();
    }
  }, 60_000);
});
