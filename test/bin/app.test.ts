/**
 * The CDK app as `cdk synth` runs it (cdk.json: tsx bin/app.ts), given its context the way the CLI passes it
 * (CDK_CONTEXT_JSON). Only wrong context here: it fails before any stack is built, so no synthesis is paid for.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-app-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function app(context: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir };
    execFile(process.execPath, ['--import', 'tsx', 'bin/app.ts'], { env, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
}

describe('the CDK app given wrong context', () => {
  it.each([
    [{ stage: 'qa' }, 'cdk app: Unknown stage "qa": expected one of dev, prod (-c stage=dev)'],
    [{ waf: 'maybe' }, 'cdk app: -c waf: expected true or false; got "maybe"'],
  ])('when given %j, then it says what is wrong in one line and exits 1, without a stack trace', { timeout: 90_000 }, async (context, line) => {
    const ended = await app(context);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toBe(`${line}\n`);
  });
});
