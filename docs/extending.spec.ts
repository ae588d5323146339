import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { includedExample } from '../test/support/guide';

const guide = readFileSync(join(__dirname, 'extending.md'), 'utf8');

/** docs/extending.md shows the real code: its examples are the files the e2e tests run. */
describe('docs/extending.md', () => {
  it.each(['docs/examples/audit/main.ts', 'docs/examples/audit/audit.module.ts'])('includes %s byte for byte', (path) => {
    const at = guide.indexOf(`<!-- example: ${path} -->`);
    expect(at).toBeGreaterThanOrEqual(0);
    const { path: included, block, file } = includedExample(guide.slice(at));
    expect(included).toBe(path);
    expect(block).toBe(file);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(__dirname, '../README.md'), 'utf8')).toContain('](docs/extending.md)');
  });
});
