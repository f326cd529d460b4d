/**
 * The internal gRPC contract (services/contracts/grpc): the committed generated code is what buf generates from
 * the .proto files today, and the contract stays compatible with its last released version (contract-baseline.ts). buf runs from
 * node_modules (@bufbuild/buf ships its binary; no network, no install script).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastCommittedVersion } from './contract-baseline';

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

/** Every file under `dir`, relative to it, with its content. */
function tree(dir: string): Record<string, string> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Object.fromEntries(entries.map((entry) => {
    const file = path.join(entry.parentPath, entry.name);
    return [path.relative(dir, file), readFileSync(file, 'utf8')];
  }));
}

describe('the internal gRPC contract', () => {
  it('when the contract is linted, then buf finds nothing to say', () => {
    expect(buf('lint')).toEqual({ code: 0, output: '' });
  });

  it('when the code is generated again, then it is byte for byte the committed code (else: npm run contract:generate)', () => {
    const out = path.join(scratch, 'generated');
    execFileSync(BUF, ['generate', '--output', out]);
    expect(tree(path.join(out, GENERATED)), `${GENERATED} is not what the .proto files generate: run npm run contract:generate and commit the result`).toEqual(tree(GENERATED));
  });

  it('when compared with its last released version (main, where a branch left it), then no change breaks a running client', () => {
    const version = lastCommittedVersion(process.cwd(), PROTO, CATALOG);
    // Without history (first version, shallow clone) the tree is compared with itself: the check still runs.
    const against = version ? `.git#ref=${version},subdir=${PROTO}` : PROTO;
    const why = `buf breaking against ${version ?? 'the tree itself'}: a client built from that contract would break; reserve and add instead (docs/billing.md, "Adding a method")`;
    expect(buf('breaking', PROTO, '--against', against), why).toEqual({ code: 0, output: '' });
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
