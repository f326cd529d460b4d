import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// tsx as a loader in the child itself, not its CLI (which would add a wrapper process between us and it).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Node.js arguments that run `entry`: a TypeScript file through tsx, a JavaScript bundle as it is (with its source
 * maps). `nodeArgs` go first, e.g. `--cpu-prof` for a benchmark.
 */
export function nodeEntry(entry: string, nodeArgs: readonly string[] = []): string[] {
  const loader = entry.endsWith('.ts') ? ['--import', tsxLoader] : ['--enable-source-maps'];
  return [...nodeArgs, ...loader, entry];
}
