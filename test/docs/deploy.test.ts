/**
 * What docs/deploy.md tells an operator to run against a real account, where a wrong flag costs more than a typo:
 * `cdk gc` without a rollback buffer deletes the images a rollback still needs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../lib/synth';

/** Every `cdk gc` command in the docs and the README, with the file it is in. */
function gcCommands(): { file: string; command: string }[] {
  const files = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  return files.flatMap((file) =>
    readFileSync(path.join(REPO_ROOT, file), 'utf8')
      .split('\n')
      .filter((line) => /\bcdk gc\b/.test(line) && line.includes('--'))
      .map((command) => ({ file, command: command.trim() })),
  );
}

describe('docs/deploy.md', () => {
  it('when the docs run cdk gc, then each run that may delete keeps a rollback buffer of days, and opts in to the unstable command', () => {
    const commands = gcCommands();
    expect(commands.length).toBeGreaterThan(0);
    for (const { file, command } of commands) {
      expect(command, file).toContain('--unstable=gc');
      // `print` and `tag` delete nothing; every other action (the default, `full`, and `delete-tagged`) does.
      if (/--action=(print|tag)\b/.test(command)) continue;
      const days = Number(/--rollback-buffer-days=(\d+)/.exec(command)?.[1] ?? 0);
      expect(days, `${file}: ${command}`).toBeGreaterThanOrEqual(7);
    }
  });

  it('when the installed CLI is asked about gc, then it knows the flags the docs use', () => {
    const help = execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/cdk'), ['gc', '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    for (const flag of ['--unstable', '--rollback-buffer-days', '--created-buffer-days', '--action']) expect(help).toContain(flag);
  });
});
