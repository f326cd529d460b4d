/**
 * The version `buf breaking` compares the contract with, in a real git repository made for the test: on a branch,
 * the contract where the branch left main, so a breaking commit is still caught after later commits.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastCommittedVersion } from './contract-baseline';

const PROTO = 'proto';
const FILE = 'catalog.proto';
let repo: string;

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
/** Writes the contract and commits it; returns the commit. */
function commitContract(text: string, message: string): string {
  writeFileSync(path.join(repo, PROTO, FILE), text);
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'contract-baseline-'));
  mkdirSync(path.join(repo, PROTO));
  git('init', '-q', '-b', 'main');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('the contract version buf breaking compares with', () => {
  let released: string;
  let latestOnMain: string;

  it('when on main with no change since, then it is the commit before the last change to the contract', () => {
    released = commitContract('message A { bool active = 6; }\n', 'v1');
    latestOnMain = commitContract('message A { bool active = 6; string sku = 7; }\n', 'v2');
    expect(lastCommittedVersion(repo, PROTO, FILE)).toBe(released);
  });

  it('when a branch removes a field and a later commit changes the contract again, then it is still where the branch left main', () => {
    git('checkout', '-q', '-b', 'feature');
    commitContract('message A { string sku = 7; }\n', 'remove active (breaking)');
    commitContract('// A comment.\nmessage A { string sku = 7; }\n', 'a comment');
    expect(lastCommittedVersion(repo, PROTO, FILE)).toBe(latestOnMain);
  });

  it('when the branch also has uncommitted changes, then it is still where the branch left main', () => {
    writeFileSync(path.join(repo, PROTO, FILE), 'message A { }\n');
    expect(lastCommittedVersion(repo, PROTO, FILE)).toBe(latestOnMain);
  });

  it('when the folder is no git repository, then there is none', () => {
    const bare = mkdtempSync(path.join(tmpdir(), 'contract-baseline-none-'));
    try {
      expect(lastCommittedVersion(bare, PROTO, FILE)).toBeUndefined();
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
