import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** createLogger writes to file descriptor 1 itself, so its lines are read from a process of their own. */
async function linesLoggedBy(body: string): Promise<Array<Record<string, unknown>>> {
  const script = `import { createLogger } from ${JSON.stringify(path.resolve('services/kit/logger.ts'))};\nconst logger = createLogger({ service: 'test' });\n${body}`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
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
