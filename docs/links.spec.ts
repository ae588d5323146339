import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The docs link only to what the repository contains: a clone must read whole.
 * Every relative link in the README and the docs resolves to a file or folder
 * inside the repository (and, into a Markdown file, to one of its headings),
 * and nothing refers to the contract by a path outside it.
 */
const ROOT = join(__dirname, '..');
const SKIP = new Set(['node_modules', 'dist', 'public', 'coverage', 'artifacts', '.git']);

function filesUnder(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) || entry.name.startsWith('.') ? [] : filesUnder(path, accept);
    return accept(entry.name) ? [path] : [];
  });
}

const markdownFiles = () => filesUnder(ROOT, (name) => name.endsWith('.md'));

/** `[text](target)` and `[label]: target`, outside code blocks and code spans. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

/** GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** What is wrong with `link` in `file`, or undefined when it leads somewhere in the repository. */
function linkProblem(file: string, link: string, root = ROOT): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link)) return undefined; // https:, mailto:: outside by design
  const [pathPart, anchor] = link.split('#', 2);
  const target = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
  const inside = relative(root, target);
  if (inside.startsWith(`..${sep}`) || inside === '..') return `${link}: outside the repository`;
  if (!existsSync(target)) return `${link}: no such file`;
  if (anchor && target.endsWith('.md') && statSync(target).isFile() && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
    return `${link}: no heading #${anchor} in ${relative(root, target)}`;
  }
  return undefined;
}

describe('links in the README and the docs', () => {
  it('checks the Markdown files a reader opens (the README and docs/ among them)', () => {
    const names = markdownFiles().map((f) => relative(ROOT, f));
    expect(names).toEqual(expect.arrayContaining(['README.md', join('docs', 'protocol.md'), join('docs', 'writing-agents.md')]));
  });

  it.each(markdownFiles().map((f) => [relative(ROOT, f), f]))('%s: every relative link resolves inside the repository', (_name, file) => {
    const problems = linksOf(readFileSync(file, 'utf8'))
      .map((link) => linkProblem(file, link))
      .filter(Boolean);
    expect(problems).toEqual([]);
  });

  it('the checker itself refuses a path outside the repository, a dead file and a dead anchor', () => {
    const readme = join(ROOT, 'README.md');
    expect(linkProblem(readme, '../shared/PROTOCOL.md')).toBe('../shared/PROTOCOL.md: outside the repository');
    expect(linkProblem(readme, 'docs/nope.md')).toBe('docs/nope.md: no such file');
    expect(linkProblem(readme, 'docs/protocol.md#no-such-heading')).toContain('no heading #no-such-heading');
    expect(linkProblem(readme, 'docs/protocol.md#1-socketio-frontends-and-the-gateway')).toBeUndefined();
    expect(linkProblem(readme, 'https://example.com/x')).toBeUndefined();
  });

  it('nothing in the sources, tests or docs cites the contract by a path outside the repository', () => {
    const files = filesUnder(ROOT, (name) => /\.(ts|js|md|ya?ml|json|html)$/.test(name) && name !== 'package-lock.json');
    const citing = files
      .filter((file) => file !== __filename)
      .filter((file) => /PROTOCOL\.md|\.\.\/shared\//.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(citing).toEqual([]);
  });
});
