import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every problem code thrown anywhere, read from the source: `new AppError(status, 'code'` and factory calls. */
async function codesInSource(dir: string): Promise<Set<string>> {
  const codes = new Set<string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith('.ts'))) {
    const source = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
    for (const match of source.matchAll(/new AppError\(\d{3},\s*'([a-z-]+)'/g)) codes.add(match[1]!);
    // The detail is one string or template literal, which may hold a `;` or `,` of its own (mixed-currencies's does).
    const factoryCall = /AppError\.(?:badRequest|conflict|unprocessable)\((?:'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)\s*,\s*'([a-z-]+)'\)/g;
    for (const match of source.matchAll(factoryCall)) codes.add(match[1]!);
  }
  return codes;
}

describe('docs/problems.md', () => {
  it('when a problem code is thrown anywhere, then the page documents it', async () => {
    const documented = await readFile('docs/problems.md', 'utf8');
    const codes = await codesInSource('services');
    expect(codes.size).toBeGreaterThan(15);
    const missing = [...codes].filter((code) => !documented.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });
});
