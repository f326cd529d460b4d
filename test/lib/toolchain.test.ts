/**
 * The CDK toolchain: the CLI and the library pinned together, every recommended feature flag set, and a
 * synthesis that needs no network or credentials.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './synth';

const read = (file: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
const pkg = read('package.json');
const cdkJson = read('cdk.json');
const require = createRequire(import.meta.url);

describe('CDK toolchain', () => {
  it('when installed, then the CLI and the library are pinned to exact versions, the ones installed', () => {
    const lib = pkg.dependencies['aws-cdk-lib'];
    const cli = pkg.devDependencies['aws-cdk'];
    expect(lib).toMatch(/^\d+\.\d+\.\d+$/);
    expect(cli).toMatch(/^\d+\.\d+\.\d+$/);
    expect(require('aws-cdk-lib/package.json').version).toBe(lib);
    expect(require('aws-cdk/package.json').version).toBe(cli);
  });

  it('when cdk.json is read, then it runs the app with tsx, keeps telemetry off and sets every recommended flag', () => {
    expect(cdkJson.app).toBe('npx tsx bin/app.ts');
    expect(cdkJson.context['cli-telemetry']).toBe(false);
    expect(cdkJson.context).toMatchObject(CURRENTLY_RECOMMENDED_FLAGS);
  });

  it('when the project is cloned, then cdk.context.json is there to pin lookups', () => {
    expect(read('cdk.context.json')).toBeTypeOf('object');
  });
});
