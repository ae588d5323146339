// Builds the publishable package into dist/: ESM and CJS bundles of src/ (with the
// plain contract files inlined; socket.io-client stays a dependency) and one
// declaration file for each. Run by `npm run build` and `npm pack` (prepack) here;
// needs the repository's dev dependencies (`npm ci` at the root).
import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { generateDtsBundle } from 'dts-bundle-generator';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const tsconfig = join(root, 'tsconfig.json');
const entry = join(root, 'src', 'index.ts');
const { dependencies } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(root, 'package.json'), 'utf8')));

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

for (const [format, file] of [['esm', 'index.mjs'], ['cjs', 'index.cjs']]) {
  const result = await build({
    entryPoints: [entry],
    outfile: join(dist, file),
    bundle: true,
    format,
    platform: 'neutral',
    target: 'es2020',
    tsconfig,
    external: Object.keys(dependencies),
    metafile: true,
    logLevel: 'warning',
  });
  // Only our own sources may be inlined: anything from node_modules would be a dependency we do not declare.
  const foreign = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules/'));
  if (foreign.length > 0) throw new Error(`the client bundle would inline ${foreign.join(', ')}`);
}

// One self-contained declaration file (no path aliases left), valid for both module kinds.
const [declarations] = generateDtsBundle([{ filePath: entry, output: { noBanner: true, exportReferencedTypes: false } }], { preferredConfigPath: tsconfig });
for (const file of ['index.d.mts', 'index.d.cts']) writeFileSync(join(dist, file), declarations);
console.log(`built ${relative(process.cwd(), dist) || '.'}: index.{mjs,cjs,d.mts,d.cts}`);
