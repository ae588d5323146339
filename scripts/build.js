'use strict';
// `npm run build` and the helper commands' build step (`node scripts/build.js --if-stale`).
// Plain JavaScript: it runs before anything is compiled.
//
// It never deletes what a running process serves: tsc overwrites its outputs in place,
// the progress page's files are replaced one by one with a rename (a reader sees the
// old file or the new one, never none), and `dist` is never removed. With `--if-stale`
// nothing is built when every output is there and no source changed since the last
// build, so `npm run token` beside a running gateway touches nothing.
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync, utimesSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
/** Written when a build ends; its mtime is when that build began reading the sources. */
const STAMP = join(DIST, '.build-stamp');
const LOCK = join(DIST, '.build-lock');
const BUILD_INFO = join(DIST, '.tsbuildinfo');
/** What the npm scripts run: a build missing one of these is rebuilt whatever the times say. */
const OUTPUTS = [
  'apps/gateway/src/main.js',
  'apps/agents/src/main.js',
  'scripts/quick-start.js',
  'scripts/mint-token.js',
  'scripts/demo-client.js',
  'scripts/build-progress-page.js',
  'apps/gateway/public/index.html',
  'apps/gateway/public/assets/app.js',
  'apps/gateway/public/console.html',
];
const SOURCE_DIRS = ['apps', 'libs', 'scripts', 'bench'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Generated inside the sources (the tests build the page there): never a reason to rebuild. */
const SKIP_DIRS = new Set(['node_modules', 'public', 'dist']);

/** The newest modification time among the sources the build reads. */
function newestSourceMs() {
  let newest = 0;
  const visit = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) visit(full);
      } else if (/\.(ts|json|html|css)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
        newest = Math.max(newest, statSync(full).mtimeMs);
      }
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(ROOT, dir))) visit(join(ROOT, dir));
  for (const file of SOURCE_FILES) if (existsSync(join(ROOT, file))) newest = Math.max(newest, statSync(join(ROOT, file)).mtimeMs);
  return newest;
}

const missingOutputs = () => OUTPUTS.filter((output) => !existsSync(join(DIST, output)));

/** Why a build is needed, or undefined when the last one is current. */
function staleness() {
  const missing = missingOutputs();
  if (missing.length > 0) return `missing ${missing[0]}`;
  if (!existsSync(STAMP)) return 'no record of a finished build';
  if (newestSourceMs() > statSync(STAMP).mtimeMs) return 'sources changed since the last build';
  return undefined;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** One build at a time (`npm start` and `npm run token` side by side): a directory is created atomically. */
function lock() {
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // Just created, pid not written yet: wait for it.
      }
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(LOCK, { recursive: true, force: true });
      else sleep(200);
    }
  }
}

function build(reason) {
  const startedAt = new Date();
  process.stderr.write(`building (${reason})…\n`);
  const bin = (name) => join(ROOT, 'node_modules', '.bin', name);
  const run = (file, args) => execFileSync(file, args, { cwd: ROOT, stdio: ['ignore', 2, 2] });
  // tsc's incremental record says what it emitted; when outputs went missing it must emit them all again.
  if (missingOutputs().some((output) => output.endsWith('main.js') || output.startsWith('scripts/'))) rmSync(BUILD_INFO, { force: true });
  run(bin('tsc'), ['-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', BUILD_INFO]);
  run(bin('tsc-alias'), ['-p', 'tsconfig.build.json']);
  run(process.execPath, [join(DIST, 'scripts', 'build-progress-page.js')]);
  writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
  utimesSync(STAMP, startedAt, startedAt);
}

function main() {
  const ifStale = process.argv.includes('--if-stale');
  lock();
  try {
    // Checked under the lock: a build that ran while this one waited may have made it current.
    const reason = ifStale ? staleness() : 'npm run build';
    if (reason) build(reason);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`build failed: ${error.message}\n`);
  process.exit(1);
}
