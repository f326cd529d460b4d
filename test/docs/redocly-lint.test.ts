/**
 * Redocly CLI's `recommended` ruleset on the documents the services serve: no error and no warning. The CLI
 * runs as a user runs it (its own bin, through node), offline: telemetry and the update check are off.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocuments } from './openapi-documents';

const run = promisify(execFile);
const CLI = path.join(path.dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js');

interface LintReport {
  readonly totals: { errors: number; warnings: number };
  readonly problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'redocly-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `ruleId at pointer: message` for every problem Redocly reports, errors and warnings alike. */
async function lint(name: string, document: object): Promise<string[]> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(document, null, 2));
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  // It exits 1 when it finds errors; the report on stdout is what matters either way.
  const { stdout } = await run(process.execPath, [CLI, 'lint', '--extends=recommended', '--format=json', file], { cwd: dir, env, timeout: 60_000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const report = JSON.parse(stdout) as LintReport;
  return report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
}

describe('Redocly lint, recommended ruleset', () => {
  it.each(Object.entries(openApiDocuments()))('when the %s document is linted, then there is no error and no warning', { timeout: 60_000 }, async (name, document) => {
    expect(await lint(name, document)).toEqual([]);
  });

  it('when a document lacks servers and an operationId, then the lint reports both (the check can fail)', { timeout: 60_000 }, async () => {
    const { identity } = openApiDocuments();
    const broken = structuredClone(identity) as unknown as { servers?: unknown; paths: Record<string, Record<string, { operationId?: string }>> };
    delete broken.servers;
    delete broken.paths['/identity/me']!.get!.operationId;
    const problems = await lint('broken', broken);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^error no-empty-servers /), expect.stringMatching(/^warn operation-operationId at #\/paths\/~1identity~1me\/get/)]),
    );
  });
});
