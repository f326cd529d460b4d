/**
 * Which browser the /docs browser test gets (test/support/browser.ts), against real files in a temporary
 * directory, with the candidate list injected so the outcome does not depend on what this machine has installed.
 * That the npm-shipped Chromium actually launches and renders is covered by docs.browser.test.ts.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBrowser } from '../../support/browser';

let dir: string;
let executable: string;
let otherExecutable: string;
let notExecutable: string;
let missing: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'browser-choice-test-'));
  executable = path.join(dir, 'chromium');
  otherExecutable = path.join(dir, 'google-chrome');
  notExecutable = path.join(dir, 'plain-file');
  missing = path.join(dir, 'nope');
  for (const file of [executable, otherExecutable, notExecutable]) await writeFile(file, '#!/bin/sh\n');
  await chmod(executable, 0o755);
  await chmod(otherExecutable, 0o755);
  await mkdir(path.join(dir, 'a-directory'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('when CHROMIUM_PATH is set', () => {
  it('then a path pointing nowhere is an error naming CHROMIUM_PATH and the path', () => {
    expect(() => findBrowser({ CHROMIUM_PATH: missing }, [executable])).toThrow(/CHROMIUM_PATH.*\/nope"/);
  });

  it('then a file that is not executable, a directory or an empty value is an error too, with no fallback', () => {
    for (const wanted of [notExecutable, path.join(dir, 'a-directory'), '']) {
      expect(() => findBrowser({ CHROMIUM_PATH: wanted }, [executable])).toThrow(/CHROMIUM_PATH/);
    }
  });

  it('then an existing executable is used, even when a system browser is present', () => {
    expect(findBrowser({ CHROMIUM_PATH: otherExecutable }, [executable])).toEqual({ source: 'CHROMIUM_PATH', executablePath: otherExecutable });
  });
});

describe('when CHROMIUM_PATH is unset', () => {
  it('then the first system browser present and executable is used', () => {
    expect(findBrowser({}, [missing, notExecutable, executable, otherExecutable])).toEqual({ source: 'system', executablePath: executable });
  });

  it('then with no system browser present, the Chromium shipped by @sparticuz/chromium is used', () => {
    expect(findBrowser({}, [missing, notExecutable, path.join(dir, 'a-directory')])).toEqual({ source: 'npm' });
  });
});
