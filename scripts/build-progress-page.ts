import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/** The project root, from this file in `scripts/` or compiled in `dist/scripts/`. */
function projectRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  throw new Error(`no package.json above ${from}`);
}

const SOURCE = join(projectRoot(__dirname), 'apps', 'gateway', 'web');
/** Packages that must never reach the browser bundle (the server-side half of the contracts). */
const SERVER_ONLY = ['class-validator', 'class-transformer', 'reflect-metadata', '@nestjs/swagger'];

/**
 * Builds the progress page the gateway serves at `/` and the operator console
 * at `/console` into `outDir`: `index.html`, `console.html` and
 * `assets/{app,console}.js`, `assets/{app,console}-style.css`. Part of `npm run build`; the e2e
 * tests build it too. Fails if a server-only package slipped into the bundle.
 */
export async function buildProgressPage(outDir: string): Promise<void> {
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  // Built beside the page, then each file renamed over its old copy: a gateway serving
  // `outDir` meanwhile answers with the old file or the new one, never with none.
  const staging = mkdtempSync(join(outDir, '.staging-'));
  try {
    await bundle(staging);
    for (const file of ['index.html', 'console.html', ...readdirSync(join(staging, 'assets')).map((name) => join('assets', name))]) {
      renameSync(join(staging, file), join(outDir, file));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function bundle(outDir: string): Promise<void> {
  const assets = join(outDir, 'assets');
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: {
      app: join(SOURCE, 'main.ts'),
      'app-style': join(SOURCE, 'styles.css'),
      // The operator console (/console) shares the page's parts and styles.
      console: join(SOURCE, 'console', 'main.ts'),
      'console-style': join(SOURCE, 'console', 'console.css'),
    },
    entryNames: '[name]',
    outdir: assets,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    tsconfig: join(SOURCE, 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = SERVER_ONLY.filter((name) => inputs.some((input) => input.includes(`node_modules/${name}/`)));
  // Browser code imports the plain contract files (`@app/contracts/wire`, …): the index also exports the DTOs.
  if (leaked.length > 0) throw new Error(`server-only packages in the browser bundle: ${leaked.join(', ')}`);
  copyFileSync(join(SOURCE, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(SOURCE, 'console', 'index.html'), join(outDir, 'console.html'));
}

if (require.main === module) {
  // From dist/scripts/: next to the compiled gateway, where it looks for the page.
  const outDir = process.argv[2] ?? join(__dirname, '..', 'apps', 'gateway', 'public');
  buildProgressPage(outDir).catch((error: Error) => {
    console.error(`building the progress page failed: ${error.message}`);
    process.exit(1);
  });
}
