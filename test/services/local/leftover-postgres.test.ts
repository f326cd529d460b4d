import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalConfig } from '../../../services/local/config';
import { stopLeftoverDatabase } from '../../../services/local/databases';
import { freePort } from '../../../services/local/free-port';
import { assertPortsFree } from '../../../services/local/ports';
import { bundleScript, type BundledScript } from '../../support/bundled-script';
import { listening } from '../../support/listening';
import { copyRunCluster } from '../../support/new-cluster';
import { showStdoutOnlyOnFailure } from '../../support/quiet-stdout';
import { PORT_VARIABLES } from '../../../harness/platform-process';

let dir: string;

/** Starts the embedded server as `npm start` does (in its own process group), says so, and waits to be killed. */
const OWNER = `
import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve('services/local/embedded-postgres.ts'))};
await startEmbeddedPostgres({ dataDir: process.env.PG_DIR, port: Number(process.env.PG_PORT), ownProcessGroup: true });
console.log('up');
setInterval(() => {}, 1_000);
`;

let ownerScript: BundledScript;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'leftover-pg-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data
  await writeFile(path.join(dir, 'owner.mts'), OWNER);
  ownerScript = await bundleScript(path.join(dir, 'owner.mts'));
});
afterAll(() => Promise.all([rm(dir, { recursive: true, force: true }), ownerScript?.remove()]));
// The launcher's line about the server it stops is for a terminal; here it only matters when the test fails.
showStdoutOnlyOnFailure();

async function killedOwnerLeavingPostgres(dataDir: string, port: number): Promise<void> {
  const databaseDir = path.join(dataDir, 'postgres');
  await copyRunCluster(databaseDir); // a copy of a new cluster: the owner starts the server without an initdb first
  const owner = spawn(process.execPath, [ownerScript.file], {
    env: { ...process.env, PG_DIR: databaseDir, PG_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => createInterface({ input: owner.stdout }).once('line', resolve));
  owner.kill('SIGKILL');
  await new Promise((resolve) => owner.once('exit', resolve));
}

describe('a PostgreSQL left running by a launcher killed with kill -9', () => {
  it('when npm start starts again, then it stops that server first, and the port check passes', { timeout: 90_000 }, async () => {
    const ports = await Promise.all(PORT_VARIABLES.map(async (name) => [name, String(await freePort())] as const));
    const config = loadLocalConfig({ DATA_DIR: path.join(dir, 'data'), ...Object.fromEntries(ports) });
    await killedOwnerLeavingPostgres(config.DATA_DIR, config.POSTGRES_PORT);
    expect(await listening(config.POSTGRES_PORT)).toBe(true);

    await stopLeftoverDatabase(config);
    expect(await listening(config.POSTGRES_PORT)).toBe(false);
    await expect(assertPortsFree(config)).resolves.toBeUndefined();
  });
});
