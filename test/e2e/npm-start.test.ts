/**
 * The platform as a user runs it: `npm start` on an empty DATA_DIR, the client journey of `npm run smoke`
 * through the gateway (the three event flows included), a clean stop, and a warm restart that kept the data.
 * Every other way of stopping it is in stop-by-signal.test.ts and stop-when-gone.test.ts.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJourney } from '../../scripts/smoke/journey';
import { DEFAULT_ADMIN_PASSWORD } from '../../services/local/config';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { listening } from '../support/listening';

let dataDir: string;
let platform: PlatformProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'platform-e2e-'));
  await chmod(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
});
afterAll(async () => {
  await platform?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('when started cold, then the whole client journey passes through the gateway', { timeout: 180_000 }, async () => {
    platform = await startPlatformProcess(dataDir);
    const steps: string[] = [];
    await runJourney({
      baseUrl: platform.gatewayUrl,
      adminEmail: 'admin@example.com',
      adminPassword: DEFAULT_ADMIN_PASSWORD,
      eventTimeoutMs: 30_000,
      report: (step, outcome) => steps.push(`${step}: ${outcome}`),
    });
    expect(steps).toHaveLength(7);
    expect(steps.join('\n')).not.toContain('FAILED');
  });

  it('when sent SIGTERM, then it exits 0 and every part has stopped listening', { timeout: 60_000 }, async () => {
    const { ports } = platform!;
    expect(await platform!.stop('SIGTERM')).toBe(0);
    expect(platform!.output.join('\n')).toContain('stopped cleanly');
    platform = undefined;
    for (const port of Object.values(ports)) expect(await listening(port), `port ${port}`).toBe(false);
  });

  it('when started again on the same DATA_DIR, then the data is still there', { timeout: 120_000 }, async () => {
    platform = await startPlatformProcess(dataDir);
    const list = await fetch(`${platform.gatewayUrl}/products?limit=100`).then((r) => r.json() as Promise<{ items: { name: string }[] }>);
    expect(list.items.map((p) => p.name)).toContain('Smoke widget');
    const token = await fetch(`${platform.gatewayUrl}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: DEFAULT_ADMIN_PASSWORD }),
    });
    expect(token.status).toBe(200);
    // The seeded admin never signed up, yet has an account: its profile is made on its first /identity/me.
    const { accessToken } = (await token.json()) as { accessToken: string };
    const me = await fetch(`${platform.gatewayUrl}/identity/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'admin@example.com', name: 'admin', groups: ['admin'] });
  });
});
