/**
 * The internal gRPC contract (services/contracts/grpc): the committed generated code is what buf generates from
 * the .proto files today, and the contract stays compatible with its last committed version. buf runs from
 * node_modules (@bufbuild/buf ships its binary; no network, no install script).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BUF = path.resolve('node_modules/.bin/buf');
const PROTO = 'services/contracts/grpc/proto';
const GENERATED = 'services/contracts/grpc/gen';
const CATALOG = 'platform/product/v1/product_catalog.proto';
const scratch = mkdtempSync(path.join(tmpdir(), 'grpc-contract-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function buf(...args: string[]) {
  const run = spawnSync(BUF, args, { encoding: 'utf8' });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

const git = (...args: string[]) => {
  const run = spawnSync('git', args, { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
};

/** Every file under `dir`, relative to it, with its content. */
function tree(dir: string): Record<string, string> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Object.fromEntries(entries.map((entry) => {
    const file = path.join(entry.parentPath, entry.name);
    return [path.relative(dir, file), readFileSync(file, 'utf8')];
  }));
}

/**
 * The commit holding the contract's last committed version, as this tree sees it: HEAD while the .proto files
 * have uncommitted changes, else the commit before the last one that changed them. Undefined without git
 * history to compare with (the contract's first commit, a shallow clone, an exported tarball).
 */
function lastCommittedVersion(): string | undefined {
  if (git('rev-parse', '--git-dir') === undefined) return undefined;
  const changedHere = git('status', '--porcelain', '--', PROTO);
  const candidate = changedHere ? 'HEAD' : `${git('log', '-1', '--format=%H', '--', PROTO)}^`;
  return git('cat-file', '-e', `${candidate}:${PROTO}/${CATALOG}`) === undefined ? undefined : git('rev-parse', candidate);
}

describe('the internal gRPC contract', () => {
  it('when the contract is linted, then buf finds nothing to say', () => {
    expect(buf('lint')).toEqual({ code: 0, output: '' });
  });

  it('when the code is generated again, then it is byte for byte the committed code', () => {
    const out = path.join(scratch, 'generated');
    execFileSync(BUF, ['generate', '--output', out]);
    expect(tree(path.join(out, GENERATED))).toEqual(tree(GENERATED));
  });

  it('when compared with its last committed version, then no change breaks a running client', () => {
    const version = lastCommittedVersion();
    // Without history (first version, shallow clone) the tree is compared with itself: the check still runs.
    const against = version ? `.git#ref=${version},subdir=${PROTO}` : PROTO;
    expect(buf('breaking', PROTO, '--against', against)).toEqual({ code: 0, output: '' });
  });

  it.each([
    ['a field changes type', (proto: string) => proto.replace('int32 price_cents = 4;', 'int64 price_cents = 4;'), /price_cents.*changed type/],
    ['a field is removed', (proto: string) => proto.replace(/^\s*bool active = 6;$/m, ''), /field "6" with name "active" .* was deleted/],
    ['a method is removed', (proto: string) => proto.replace(/rpc GetPrices[\s\S]*?\n {2}}\n/, ''), /RPC "GetPrices" on service "ProductCatalog" was deleted/],
  ])('when %s, then the breaking-change check fails naming it', (_what, change, message) => {
    const changed = path.join(scratch, `changed-${readdirSync(scratch).length}`);
    cpSync(PROTO, changed, { recursive: true });
    const file = path.join(changed, CATALOG);
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, change(before));
    expect(readFileSync(file, 'utf8')).not.toBe(before);
    const result = buf('breaking', changed, '--against', PROTO);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(message);
  });
});
