import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundleScript } from '../../support/bundled-script';

/**
 * createLogger writes to file descriptor 1 itself, so its lines are read from a process of their own: bundled and
 * run by bare node, which costs a tenth of the CPU of node under tsx.
 */
async function linesLoggedBy(body: string): Promise<Array<Record<string, unknown>>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'logger-'));
  const script = path.join(dir, 'log.ts');
  await writeFile(script, `import { createLogger } from ${JSON.stringify(path.resolve('services/kit/logger.ts'))};\nconst logger = createLogger({ service: 'test' });\n${body}`);
  const bundle = await bundleScript(script);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [bundle.file]);
    return stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  } finally {
    await Promise.all([bundle.remove(), rm(dir, { recursive: true, force: true })]);
  }
}

describe('createLogger', () => {
  it('when an error carries the database client it came from, then the line keeps the error and drops the client', async () => {
    const [line] = await linesLoggedBy(`
      const error = Object.assign(new Error('terminating connection'), { code: '57P01', client: { connection: { stream: 'a socket' } } });
      logger.warn({ err: error }, 'query failed');`);
    expect(line?.err).toMatchObject({ type: 'Error', message: 'terminating connection', code: '57P01' });
    expect(line?.err).not.toHaveProperty('client');
  });
});
