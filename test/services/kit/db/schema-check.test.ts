import path from 'node:path';
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../services/kit/config';
import { createDatabase, type Database } from '../../../../services/kit/db/database';
import { migrateInBackground } from '../../../../services/kit/db/migrate';
import { unusableParts } from '../../../../services/kit/db/schema-check';
import { readyAfter, startedAfter } from '../../../../services/kit/http/health';
import * as billing from '../../../../services/billing/data-access/schema';
import * as identity from '../../../../services/identity/data-access/schema';
import * as product from '../../../../services/product/data-access/schema';
import { createTestDatabase, migratedForAppRole, queryRows, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

const FIXTURE_MIGRATIONS = path.join(import.meta.dirname, 'fixtures', 'migrations');
const SETTINGS = { DATABASE_MIGRATIONS: 'check', MIGRATIONS_DIR: '/nowhere', DATABASE_WAIT_MS: 10_000, MIGRATION_LOCK_WAIT_MS: 10_000, MIGRATION_LOCK_TIMEOUT_MS: 5_000, DATABASE_IAM_AUTH: false, PGPORT: 5432 } as const;
/** The fixture migrations' table, as a service's drizzle schema names it. */
const items = pgTable('items', { id: serial('id').primaryKey(), code: text('code').notNull(), note: text('note') });
const itemsWithMore = pgTable('items', { id: serial('id').primaryKey(), code: text('code').notNull(), note: text('note'), rank: integer('rank') });

const open: Database<Record<string, never>>[] = [];
const appPool = (url: string) => {
  const database = createDatabase({ connectionString: url, schema: {}, logger: testLogger });
  open.push(database);
  return database.pool;
};
let migrated: TestDatabase & { readonly appUrl: string };
let empty: TestDatabase;

beforeAll(async () => {
  [migrated, empty] = await Promise.all([migratedForAppRole('schema_check', FIXTURE_MIGRATIONS), createTestDatabase('schema_check_empty', { app: true })]);
});
afterAll(async () => {
  await Promise.all(open.map((database) => database.close()));
  await Promise.all([migrated.drop(), empty.drop()]);
});

describe('DATABASE_MIGRATIONS=check (a deploy step applied the migrations)', () => {
  it('when the database holds every table and column of the schema, then the service is done without touching the schema or drizzle\'s bookkeeping', async () => {
    const migrations = migrateInBackground(appPool(migrated.appUrl), SETTINGS, 'fixture', testLogger, { items, unrelated: 'not a table' });
    await migrations.finished;
    expect(migrations.done()).toBe(true);
  });

  it('when the check is still running, then the health routes say it is the schema being checked, not migrations running', async () => {
    const migrations = migrateInBackground(appPool(migrated.appUrl), SETTINGS, 'fixture', testLogger, { items });
    const reason = 'The database schema is being checked (DATABASE_MIGRATIONS=check).';
    expect(startedAfter(migrations)).toThrow(reason);
    await expect(readyAfter(migrations, async () => true)()).rejects.toThrow(reason);
    await migrations.finished;
    expect(startedAfter(migrations)()).toBe(true);
  });

  it('when the migrations were never applied, then the start fails naming every column it needs and how to fix it', async () => {
    const migrations = migrateInBackground(appPool(empty.appUrl!), SETTINGS, 'fixture', testLogger, { items });
    await expect(migrations.finished).rejects.toThrow(
      'DATABASE_MIGRATIONS=check: this login cannot use 3 part(s) of the schema this release needs (items.id, items.code, items.note): apply the release\'s migrations first',
    );
    expect(migrations.done()).toBe(false);
  });

  it('when the release names a column its migrations have not added yet, then only that column is named', async () => {
    const migrations = migrateInBackground(appPool(migrated.appUrl), SETTINGS, 'fixture', testLogger, { itemsWithMore });
    await expect(migrations.finished).rejects.toThrow('cannot use 1 part(s) of the schema this release needs (items.rank)');
  });

  it.each([
    ['no right at all', 'REVOKE ALL ON items FROM {app}', ['items (no SELECT, INSERT, UPDATE, DELETE)']],
    ['reading only', 'REVOKE INSERT, UPDATE, DELETE ON items FROM {app}', ['items (no INSERT, UPDATE, DELETE)']],
    ['no use of the id sequence (a serial column)', 'REVOKE USAGE ON SEQUENCE items_id_seq FROM {app}', ['items: sequence items_id_seq (no USAGE)']],
  ])('when the table is there but this login has %s, then the check names what it lacks', async (_case, revoke, expected) => {
    const locked = await migratedForAppRole('schema_check_locked', FIXTURE_MIGRATIONS);
    try {
      await queryRows(locked.url, revoke.replace('{app}', `${locked.role}_app`));
      expect(await unusableParts(appPool(locked.appUrl), { items })).toEqual(expected);
    } finally {
      await locked.drop();
    }
  });

  it.each(['DATABASE_MIGRATION_URL', 'DATABASE_MIGRATION_USER'])('when %s is set too, then startup stops naming it: check mode holds no owner login', (name) => {
    const start = () => migrateInBackground(appPool(migrated.appUrl), { ...SETTINGS, [name]: 'postgres://owner@host/db' }, 'fixture', testLogger, { items });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(`${name}: not with DATABASE_MIGRATIONS=check, which applies no migrations and needs no owner login`);
  });
});

describe('each service\'s migrations against its drizzle schema', () => {
  it.each([
    ['identity', identity],
    ['product', product],
    ['billing', billing],
  ])('when %s\'s migrations are applied, then its app role can use every table and column its code names', async (name, schema) => {
    const db = await migratedForAppRole(`schema_check_${name}`, path.resolve('services', name, 'data-access', 'migrations'));
    try {
      expect(await unusableParts(appPool(db.appUrl), schema)).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});
