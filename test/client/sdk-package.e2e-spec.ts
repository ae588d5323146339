import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Message } from 'esbuild';

const REPO = join(__dirname, '..', '..');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * The environment of a fresh shell: under `npm test` npm exports its own
 * settings (`npm_config_local_prefix` = this repository, …), which would
 * make the npm commands below act on the repository instead of the temp project.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'));
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** A browser app written as the README's SDK section tells a frontend team to write it. */
const BROWSER_APP = `
import { createClient, ClientCommandError, type AgentStreamClient, type RequestSnapshot, type RecordedMessage } from '@agent-stream/client';

const client: AgentStreamClient = createClient({ url: location.origin, token: async () => 'a token' });
const output = document.querySelector('#out')!;

function render(state: RequestSnapshot): void {
  output.textContent = state.status + ' ' + state.steps.map((s) => s.step + ':' + s.status).join(',');
}

export async function run(userQuery: string): Promise<void> {
  try {
    const { requestId } = await client.start({ userQuery, context: { demo: { steps: 3 } } });
    const watch = client.watch(requestId);
    watch.subscribe(() => render(watch.state));
    watch.on('question', (q) => void watch.answer(q.questionId, q.options?.[0] ?? 'yes'));
    watch.on('*', (event: RecordedMessage) => console.log(event.seq, event.type));
    // @ts-expect-error the types are the contract's, not any: userQuery is a string
    await client.start({ userQuery: 42 });
  } catch (error) {
    if (error instanceof ClientCommandError) output.textContent = error.code + ': ' + error.message;
    else throw error;
  }
}
`;

/** The same package from CommonJS code (Node scripts, older toolchains). */
const COMMONJS_CHECK = `
import sdk = require('@agent-stream/client');

const status: sdk.ConnectionStatus = 'offline';
const code: sdk.ErrorCode = sdk.ErrorCode.UNAVAILABLE;
console.log(typeof sdk.createClient === 'function' && status === 'offline' && code === 'UNAVAILABLE');
`;

describe('the client SDK as a package: packed, installed and built outside the repository', () => {
  let work: string;
  let app: string;
  let tarball: string;
  let packedFiles: string[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'agent-stream-sdk-'));
    // As the README says; `npm pack` runs the package's own build (prepack).
    const output = run('npm', ['pack', './libs/client', '--json', '--pack-destination', work], REPO);
    // The build's own lines come first; npm's JSON report is the rest.
    const [packed] = JSON.parse(output.slice(output.search(/^\[/m))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, packed.filename);
    packedFiles = packed.files.map((f) => f.path).sort();

    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }, null, 2));
    // socket.io-client, the one dependency, comes from this repository's node_modules (a link): no registry needed.
    // --offline makes any other dependency the package might declare an install failure.
    run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(work, 'npm-cache'), tarball, join(REPO, 'node_modules', 'socket.io-client')],
      app,
    );
    writeFileSync(join(app, 'app.ts'), BROWSER_APP);
    writeFileSync(join(app, 'commonjs-check.cts'), COMMONJS_CHECK);
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds only its build, and depends on socket.io-client alone, at the version this repository uses', () => {
    expect(packedFiles).toEqual(['dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.mts', 'dist/index.mjs', 'package.json']);
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', '@agent-stream', 'client', 'package.json'), 'utf8'));
    const repo = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(installed.name).toBe('@agent-stream/client');
    expect(installed.dependencies).toEqual({ 'socket.io-client': repo.dependencies['socket.io-client'] });
    expect(installed.peerDependencies ?? {}).toEqual({});
    for (const file of ['index.mjs', 'index.cjs', 'index.d.mts', 'index.d.cts']) {
      expect(readFileSync(join(app, 'node_modules', '@agent-stream', 'client', 'dist', file), 'utf8')).not.toMatch(/@app\/|@nestjs|class-validator|class-transformer/);
    }
  });

  it('bundles for the browser with esbuild: every import resolves, nothing of the server comes along', async () => {
    let errors: Message[] = [];
    const result = await build({
      absWorkingDir: app,
      entryPoints: ['app.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    }).catch((failure: { errors: Message[] }) => {
      errors = failure.errors;
      return undefined;
    });
    expect(errors.map((e) => e.text)).toEqual([]);
    const inputs = Object.keys(result!.metafile.inputs);
    expect(inputs).toContainEqual(expect.stringMatching(/node_modules\/@agent-stream\/client\/dist\/index\.mjs$/));
    expect(inputs.filter((input) => /node_modules\/(ws|@nestjs|class-validator|class-transformer|reflect-metadata)\//.test(input))).toEqual([]);
  });

  it('type-checks with the default tsconfig (`tsc --init`): no decorators, no path aliases', () => {
    run('node', [TSC, '--init'], app);
    const config = readFileSync(join(app, 'tsconfig.json'), 'utf8');
    expect(config).not.toMatch(/"experimentalDecorators": true/);
    // Throws with tsc's messages if any.
    run('node', [TSC, '--noEmit', '-p', '.'], app);
  });

  it('loads in Node both as an ES module and from CommonJS', () => {
    const esm = run('node', ['--input-type=module', '-e', "const sdk = await import('@agent-stream/client'); console.log(typeof sdk.createClient, sdk.ErrorCode.FORBIDDEN)"], app);
    const cjs = run('node', ['-e', "const sdk = require('@agent-stream/client'); console.log(typeof sdk.createClient, typeof sdk.ClientCommandError)"], app);
    expect(esm.trim()).toBe('function FORBIDDEN');
    expect(cjs.trim()).toBe('function function');
  });
});
