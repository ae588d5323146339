import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
export const GUIDE_PATH = join(ROOT, 'docs/writing-agents.md');

export function readGuide(): string {
  return readFileSync(GUIDE_PATH, 'utf8');
}

/**
 * The code block that follows `<!-- example: <path> -->` in the guide, and
 * the file it claims to be: the guide includes the example verbatim.
 */
export function includedExample(guide = readGuide()): { path: string; block: string; file: string } {
  const match = /<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```\n/.exec(guide);
  if (!match) throw new Error('the guide has no <!-- example: … --> followed by a ts code block');
  const [, path, block] = match;
  return { path, block, file: readFileSync(join(ROOT, path), 'utf8') };
}

/** Every ```json block of a `## ` section of the guide, parsed, in order. */
export function jsonBlocksOf(heading: string, guide = readGuide()): Array<Record<string, any>> {
  const start = guide.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`the guide has no section '## ${heading}'`);
  const next = guide.indexOf('\n## ', start + 1);
  const section = guide.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map(([, json]) => JSON.parse(json));
}
