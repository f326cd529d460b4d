/**
 * What the deletion check costs each authenticated request (docs/identity.md, "Deletion ends access"). In one
 * process, on one real access token (cognito-local) and a real PostgreSQL `revoked_subjects` table, three ways
 * side by side per round: the token verification alone (the baseline every service already paid), verification
 * plus the revocation check answered from the 1-second cache (what a busy user costs), and verification plus a
 * database lookup on every call (the cache's worst case: every request from a different user). Target: the cached
 * check adds at most a tenth of the verification's own CPU. BENCH_ROUNDS=1 BENCH_SECONDS=1 is a smoke run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as schema from '../services/identity/data-access/schema';
import { verifierFromConfig } from '../services/kit/auth/from-config';
import type { AccessTokenVerifier } from '../services/kit/auth/jwt-verifier';
import { cachedRevocationList, revocationAware, revocationListPg, revokeSubject } from '../services/kit/auth/revocations';
import { createDatabase } from '../services/kit/db/database';
import { migrateWithLock } from '../services/kit/db/migrate';
import { createLogger } from '../services/kit/logger';
import { benchUser } from './support/cognito-user';
import { benchDatabaseServer } from './support/database';
import { fmt, machineLine, median, writeSection } from './support/report';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Verifications in flight at once, as concurrent requests to one task would have. */
const CONCURRENCY = 16;

const CASES = ['verify', 'cached', 'uncached'] as const;
type Case = (typeof CASES)[number];

interface Figures {
  readonly perSecond: number;
  /** This process's CPU time per verification: steadier than throughput on a shared machine. */
  readonly cpuMicros: number;
}

/** Verifications per second over `seconds`, CONCURRENCY at a time, and the CPU each cost. */
async function measure(verifier: AccessTokenVerifier, token: string, seconds: number): Promise<Figures> {
  const until = Date.now() + seconds * 1_000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < until) {
      await verifier.verify(token);
      done++;
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(cpu);
  return { perSecond: done / ((performance.now() - started) / 1_000), cpuMicros: (used.user + used.system) / done };
}

export async function run(): Promise<Record<Case, Figures>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-bench-revocation-'));
  const server = await benchDatabaseServer();
  const user = await benchUser(dataDir);
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const database = createDatabase({ connectionString: await server.database('bench_revocation'), schema, logger, poolMax: 10 });
  try {
    await migrateWithLock(database.pool, 'services/identity/data-access/migrations', 'identity', logger);
    // Some revoked users, so the lookup is a real index probe that finds nothing for this user.
    for (let i = 0; i < 1_000; i++) await revokeSubject(database.db, `revoked-${i}`);
    const base = verifierFromConfig({ COGNITO_USER_POOL_ID: user.env.COGNITO_USER_POOL_ID!, COGNITO_CLIENT_ID: user.env.COGNITO_CLIENT_ID!, COGNITO_ENDPOINT: user.env.COGNITO_ENDPOINT! });
    const verifiers: Record<Case, AccessTokenVerifier> = {
      verify: base,
      cached: revocationAware(base, cachedRevocationList(revocationListPg(database.db))),
      uncached: revocationAware(base, revocationListPg(database.db)),
    };
    for (const verifier of Object.values(verifiers)) await verifier.verify(user.accessToken); // keys fetched, pool warm
    const figures: Record<Case, Figures[]> = { verify: [], cached: [], uncached: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of CASES) figures[name].push(await measure(verifiers[name], user.accessToken, SECONDS));
    }
    const result = Object.fromEntries(
      CASES.map((name) => [name, { perSecond: median(figures[name].map((f) => f.perSecond)), cpuMicros: median(figures[name].map((f) => f.cpuMicros)) }]),
    ) as Record<Case, Figures>;
    const ratio = (name: Case) => fmt(result[name].perSecond / result.verify.perSecond, 2);
    const cpu = (name: Case) => fmt(result[name].cpuMicros, 1);
    const added = (name: Case) => fmt(result[name].cpuMicros - result.verify.cpuMicros, 1);
    await writeSection(
      'Deletion check: what revocation costs a request',
      [
        `${machineLine()}, load average ${fmt(loadavg()[0]!, 1)} at the end; median of ${ROUNDS} rounds of ${SECONDS} s each, ${CONCURRENCY} verifications in flight, one process, PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'server' : 'embedded 16'}. CPU per verification is the steadier figure on a shared machine.`,
        '',
        '| per request | verifications/s | of the baseline | CPU µs each | added CPU µs |',
        '|---|---|---|---|---|',
        `| token verification only (baseline) | ${fmt(result.verify.perSecond)} | 1 | ${cpu('verify')} | 0 |`,
        `| + revocation check, from the 1 s cache | ${fmt(result.cached.perSecond)} | ${ratio('cached')} | ${cpu('cached')} | ${added('cached')} |`,
        `| + revocation check, a database lookup every time | ${fmt(result.uncached.perSecond)} | ${ratio('uncached')} | ${cpu('uncached')} | ${added('uncached')} |`,
        '',
        `Target: the cached check adds at most a tenth of the verification's own CPU (${result.cached.cpuMicros - result.verify.cpuMicros <= result.verify.cpuMicros / 10 ? 'met' : 'NOT met'}). A user's first request in each second pays the lookup; the rest are cache hits.`,
      ].join('\n'),
    );
    console.log(result);
    return result;
  } finally {
    await database.close();
    await user.cognito.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
