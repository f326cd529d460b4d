import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { cachedPasswordSource, type PasswordSource } from './password-source';

/** How long an empty file may be one caught mid-write (truncated, not yet written) before it counts as empty. */
const MID_WRITE_GRACE_MS = [10, 40, 150];

/**
 * The password in a file (DATABASE_PASSWORD_FILE), such as a mounted secret that a rotation job rewrites: read
 * again once a minute, and at once when the server refuses the one in use. Surrounding whitespace (the newline
 * editors and `echo` add) is not part of it.
 */
export function filePasswordSource(file: string, ttlMs = 60_000): PasswordSource {
  const readOnce = async () => (await readFile(file, 'utf8')).trim();
  const read = async () => {
    // A rewrite that is not a rename (`echo new > file`, writeFile) truncates first: a read at that moment finds
    // nothing, and a login with no password would fail the request instead of waiting a moment for the new one.
    for (const pause of MID_WRITE_GRACE_MS) {
      const password = await readOnce();
      if (password) return password;
      await sleep(pause);
    }
    const password = await readOnce();
    if (!password) throw new Error(`DATABASE_PASSWORD_FILE: ${file} is empty`);
    return password;
  };
  return cachedPasswordSource(`the file ${file}`, read, ttlMs);
}
