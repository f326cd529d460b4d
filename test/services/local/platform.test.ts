import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { loadLocalConfig } from '../../../services/local/config';
import { freePort } from '../../../services/local/free-port';
import { startPlatform } from '../../../services/local/platform';
import { listening } from '../../support/listening';
import { showStdoutOnlyOnFailure } from '../../support/quiet-stdout';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'platform-start-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));
// The launcher's progress lines are for a terminal; here they only matter when the test fails.
showStdoutOnlyOnFailure();

describe('startPlatform', () => {
  it('when DATABASE_URL cannot be reached, then the error names it, and the emulators still starting are stopped once up', { timeout: 60_000 }, async () => {
    const [cognitoPort, fauxqsPort] = [await freePort(), await freePort()];
    const config = loadLocalConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}`, // nothing listens: fails at once
      COGNITO_PORT: String(cognitoPort),
      FAUXQS_PORT: String(fauxqsPort),
      LOG_LEVEL: 'warn', // as the e2e test: the services' info lines would go straight to the test output
    });

    const failure = await startPlatform(config).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([expect.stringMatching(/^DATABASE_URL: cannot use postgres:\/\/postgres@127\.0\.0\.1:\d+: connect ECONNREFUSED/)]);

    // Long enough for an emulator left starting to come up (each takes about a second).
    const seen = new Set<string>();
    for (const deadline = Date.now() + 4_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      if (await listening(cognitoPort)) seen.add('cognito');
      if (await listening(fauxqsPort)) seen.add('fauxqs');
    }
    expect([...seen]).toEqual([]);
  });
});
