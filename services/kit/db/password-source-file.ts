import { readFile } from 'node:fs/promises';
import { cachedPasswordSource, type PasswordSource } from './password-source';

/**
 * The password in a file (DATABASE_PASSWORD_FILE), such as a mounted secret that a rotation job rewrites: read
 * again once a minute, and at once when the server refuses the one in use. Surrounding whitespace (the newline
 * editors and `echo` add) is not part of it.
 */
export function filePasswordSource(file: string, ttlMs = 60_000): PasswordSource {
  const read = async () => {
    const password = (await readFile(file, 'utf8')).trim();
    if (!password) throw new Error(`DATABASE_PASSWORD_FILE: ${file} is empty`);
    return password;
  };
  return cachedPasswordSource(`the file ${file}`, read, ttlMs);
}
