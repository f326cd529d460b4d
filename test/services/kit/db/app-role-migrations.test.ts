/**
 * What the services' migrations may do, given how they run: as the database's owner, while the service runs as
 * a rows-only app role whose rights are the owner's default privileges in `public` (services/kit/db/provision.ts,
 * docs/infrastructure.md "Database roles and credentials"). Each rule below would otherwise pass every test and
 * fail, or open a hole, only once deployed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../../../services/contracts/services';
import { startBillingHarness } from '../../../support/billing';
import { startIdentityHarness } from '../../../support/identity';
import { startProductHarness } from '../../../support/product';

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bSECURITY\s+DEFINER\b/i, 'a SECURITY DEFINER routine runs with the owner\'s rights for the app role (PUBLIC may execute it)'],
  [/\bCREATE\s+SCHEMA\b/i, 'the app role has rights in public only: a new schema\'s tables would refuse it'],
  [/\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(?!public\b)\w+"?\s*\.\s*"?\w/i, 'a table outside public is out of the app role\'s reach'],
  [/\b(?:GRANT|REVOKE|ALTER\s+DEFAULT\s+PRIVILEGES|SET\s+ROLE)\b/i, 'roles and rights are provisioning\'s business, the same on every server'],
];

/** What in `sql` breaks the app role's assumptions, one reason per broken rule. */
function appRoleHazards(sql: string): string[] {
  return RULES.filter(([pattern]) => pattern.test(sql)).map(([, reason]) => reason);
}

const migrationsOf = (service: string) => {
  const dir = path.resolve(import.meta.dirname, '../../../../services', service, 'data-access', 'migrations');
  return readdirSync(dir).filter((file) => file.endsWith('.sql')).map((file) => path.join(dir, file));
};

describe('the services\' migrations, run as the owner for a rows-only app role', () => {
  it.each(SERVICE_NAMES)('when %s\'s migrations are read, then none makes a schema, a table outside public, a SECURITY DEFINER routine or a grant', (service) => {
    const files = migrationsOf(service);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(appRoleHazards(readFileSync(file, 'utf8')), path.relative(process.cwd(), file)).toEqual([]);
  });

  it.each([
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;', 'SECURITY DEFINER'],
    ['CREATE SCHEMA "audit";', 'new schema'],
    ['CREATE TABLE "audit"."events" ("id" int);', 'outside public'],
    ['CREATE TABLE IF NOT EXISTS audit.events (id int);', 'outside public'],
    ['GRANT SELECT ON "accounts" TO reporting;', 'provisioning\'s business'],
  ])('when a migration says %s, then it is refused (%s)', (sql, reason) => {
    expect(appRoleHazards(sql).join('; ')).toContain(reason);
  });

  it('when a migration creates a table in public, qualified or not, then nothing is refused', () => {
    expect(appRoleHazards('CREATE TABLE "public"."items" ("id" int);\nCREATE TABLE "items2" ("id" int);\nALTER TABLE "items" ADD COLUMN "note" text;')).toEqual([]);
  });
});

describe('the services\' test harnesses', () => {
  const harnesses = { identity: startIdentityHarness, product: startProductHarness, billing: startBillingHarness };

  it.each(SERVICE_NAMES)('when %s\'s harness starts, then it runs as a rows-only app role, so every test on it takes the deployed path', async (service) => {
    const harness = await harnesses[service]();
    try {
      const { rows } = await harness.database.pool.query<{ me: string }>('SELECT current_user AS me');
      expect(rows[0]!.me).toMatch(/_app$/);
      await expect(harness.database.pool.query('CREATE TABLE mine (id int)')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await harness.close();
    }
  });
});
