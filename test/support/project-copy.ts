import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const COPIED = ['apps', 'libs', 'scripts', 'bench', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * The project's sources in a temporary folder (node_modules linked, not
 * copied), where a test can run the npm scripts as a user does, build into
 * that copy's `dist` and touch its sources without disturbing this worktree.
 */
export function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-stream-copy-'));
  for (const entry of COPIED) {
    cpSync(join(ROOT, entry), join(dir, entry), {
      recursive: true,
      // The page the e2e setup built beside the sources is not a source.
      filter: (source) => !relative(ROOT, source).startsWith(join('apps', 'gateway', 'public')),
    });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

export function removeProjectCopy(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run <script> -- <args>` in `dir` to its end. */
export function runNpmScript(dir: string, script: string, args: string[] = [], env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
