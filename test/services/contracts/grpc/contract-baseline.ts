/**
 * Which commit's contract `buf breaking` compares the tree with (contract.test.ts). A running client was built from
 * main, so on a branch that is the contract where the branch left main, whatever the branch did since: comparing
 * with the commit before the branch's last change to the .proto files only checked that last change, and a field
 * removed in one commit passed once any later commit touched the contract again.
 */
import { spawnSync } from 'node:child_process';

/** The branches a branch is compared with, first found first: the clone's upstream, else the local one. */
const MAIN_REFS = ['origin/main', 'main'];

function gitIn(cwd: string) {
  return (...args: string[]) => {
    const run = spawnSync('git', args, { cwd, encoding: 'utf8' });
    return run.status === 0 ? run.stdout.trim() : undefined;
  };
}

/**
 * The commit holding the contract's last released version, as this tree sees it: where HEAD left main, when HEAD
 * has commits main has not; else (on main itself) HEAD while the .proto files have uncommitted changes, or the
 * commit before the last one that changed them. Undefined without git history to compare with (the contract's
 * first commit, a shallow clone, an exported tarball).
 */
export function lastCommittedVersion(cwd: string, protoDir: string, protoFile: string): string | undefined {
  const git = gitIn(cwd);
  if (git('rev-parse', '--git-dir') === undefined) return undefined;
  const head = git('rev-parse', 'HEAD');
  const main = MAIN_REFS.find((ref) => git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`) !== undefined);
  const forkPoint = main && git('merge-base', 'HEAD', main);
  const onBranch = forkPoint !== undefined && forkPoint !== head;
  const changedHere = git('status', '--porcelain', '--', protoDir);
  const candidate = onBranch ? forkPoint : changedHere ? 'HEAD' : `${git('log', '-1', '--format=%H', '--', protoDir)}^`;
  return git('cat-file', '-e', `${candidate}:${protoDir}/${protoFile}`) === undefined ? undefined : git('rev-parse', candidate);
}
