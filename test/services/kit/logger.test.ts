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

  it('when a query error carries its parameters (user data, kilobytes of invoice lines), then the line leaves them out and stays short', async () => {
    const [line] = await linesLoggedBy(`
      import { DrizzleQueryError } from 'drizzle-orm/errors';
      const lines = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ position: i, name: 'Thing ' + i, sku: 'SKU-' + i, quantity: 2 })));
      const cause = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
      const error = new DrizzleQueryError('insert into invoice_lines select * from json_to_recordset($1)', ['ada@example.org', lines], cause);
      logger.error({ err: error }, 'request failed');`);
    const text = JSON.stringify(line);
    expect(text.length).toBeLessThan(8_000);
    expect(text).not.toContain('ada@example.org');
    expect(text).not.toContain('Thing 42');
    expect(line?.err).toMatchObject({ message: expect.stringContaining('insert into invoice_lines'), cause: { code: '57014' } });
    expect(line?.err).not.toHaveProperty('params');
  });
});
