/**
 * The browser for browser tests, so that `npm test` needs no system browser. The choice, in this order:
 *   1. `CHROMIUM_PATH`, exactly. A path that is missing or not executable is an error naming it: whoever set it
 *      meant that browser, and a silent fallback would test a different one.
 *   2. A system Chromium or Chrome in the usual places.
 *   3. The Chromium (headless shell, Linux x64 only) shipped inside the `@sparticuz/chromium` dev dependency,
 *      unpacked to the temporary directory on first use (a few seconds; later runs reuse it).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

/** The usual places of Chromium and Chrome on Debian, Ubuntu, Fedora and macOS. */
export const SYSTEM_BROWSERS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export type BrowserChoice =
  | { readonly source: 'CHROMIUM_PATH' | 'system'; readonly executablePath: string }
  | { readonly source: 'npm' };

/** Which browser to use; `candidates` is injectable so tests do not depend on what the machine has installed. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = SYSTEM_BROWSERS): BrowserChoice {
  const wanted = env.CHROMIUM_PATH;
  if (wanted !== undefined) {
    if (!isExecutableFile(wanted)) {
      throw new Error(`CHROMIUM_PATH is set to "${wanted}", which is not an executable file. Point it at a Chromium or Chrome, or unset it to use a system browser or the Chromium from @sparticuz/chromium.`);
    }
    return { source: 'CHROMIUM_PATH', executablePath: wanted };
  }
  const system = candidates.find(isExecutableFile);
  return system ? { source: 'system', executablePath: system } : { source: 'npm' };
}

// The machine may have no internet: keep the browser from calling home. Playwright adds --headless and
// --no-sandbox itself.
const OFFLINE_FLAGS = ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches the chosen browser headless through playwright-core. */
export async function launchBrowser(choice: BrowserChoice = findBrowser()): Promise<Browser> {
  if (choice.source !== 'npm') {
    return chromium.launch({ executablePath: choice.executablePath, headless: true, args: [...OFFLINE_FLAGS, '--disable-gpu'] });
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`No Chromium or Chrome at ${SYSTEM_BROWSERS.join(', ')}, and @sparticuz/chromium ships one for Linux x64 only. Install one or set CHROMIUM_PATH.`);
  }
  const executablePath = await sparticuz.executablePath();
  try {
    // sparticuz.args bring the headless shell's own needs (no zygote, SwiftShader for GL); no --disable-gpu here.
    return await chromium.launch({ executablePath, headless: true, args: [...sparticuz.args, ...OFFLINE_FLAGS] });
  } catch (error) {
    // @sparticuz/chromium reuses whatever is already unpacked, even if cut short or from another version.
    throw new Error(`The Chromium from @sparticuz/chromium at ${executablePath} did not start; if it is a leftover, delete ${tmpdir()}/chromium and retry.`, { cause: error });
  }
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile(); // a directory is "executable" too
  } catch {
    return false;
  }
}
