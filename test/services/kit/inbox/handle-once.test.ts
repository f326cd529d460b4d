import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import { ForgottenEventError, handleOnce, INBOX_MEMORY_MS, INBOX_PRUNE_RUN_MAX, pruneInbox } from '../../../../services/kit/inbox/handle-once';
import { INBOX_RETENTION_MS } from '../../../../services/kit/inbox/pruner';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { noteAddedEvent } from '../../../../harness/notes/events';
import type { TestDb } from '../../../support/bus/harness';
import * as schema from '../../../../harness/notes/schema';
import { testLogger } from '../../../support/silent-logger';

const MIGRATIONS = new URL('../../../../harness/notes/migrations', import.meta.url).pathname;

describe('inbox: handleOnce', () => {
  let testDatabase: TestDatabase;
  let database: TestDb;
  beforeAll(async () => {
    testDatabase = await createTestDatabase('inbox');
    database = createDatabase({ connectionString: testDatabase.url, schema, logger: testLogger });
    await migrateWithLock(database.pool, MIGRATIONS, 'test', testLogger);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  const addNote = (event: ReturnType<typeof noteAddedEvent>, consumer = 'notes') =>
    handleOnce(database.db, consumer, event, async (tx) => {
      await tx.insert(schema.notes).values({ eventId: event.id, text: event.data.text });
    });
  const notesOf = async (eventId: string) => (await database.db.select().from(schema.notes)).filter((n) => n.eventId === eventId).length;

  it('when the same event is handled twice, then the effect happens once and the second call says so', async () => {
    const event = noteAddedEvent('twice');
    expect(await addNote(event)).toBe(true);
    expect(await addNote(event)).toBe(false);
    expect(await notesOf(event.id)).toBe(1);
  });

  it('when ten deliveries of one event race, then exactly one has an effect', async () => {
    const event = noteAddedEvent('racing');
    const results = await Promise.all(Array.from({ length: 10 }, () => addNote(event)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await notesOf(event.id)).toBe(1);
  });

  it('when the effect fails, then the event is not recorded and the next delivery runs it', async () => {
    const event = noteAddedEvent('fails once');
    await expect(
      handleOnce(database.db, 'notes', event, async (tx) => {
        await tx.insert(schema.notes).values({ eventId: event.id, text: event.data.text });
        throw new Error('effect failed half-way');
      }),
    ).rejects.toThrow('effect failed half-way');
    expect(await notesOf(event.id)).toBe(0);
    expect(await addNote(event)).toBe(true);
    expect(await notesOf(event.id)).toBe(1);
  });

  it('when two consumers in one service handle the same event, then each has its own effect', async () => {
    const event = noteAddedEvent('two consumers');
    expect(await addNote(event, 'notes')).toBe(true);
    expect(await addNote(event, 'audit')).toBe(true);
    expect(await notesOf(event.id)).toBe(2);
  });

  it('when more entries are old than one chunk holds, then pruning takes them all, a thousand per statement', async () => {
    const before = (await database.db.select().from(schema.inbox)).length;
    await database.db.execute(sql`
      INSERT INTO inbox (consumer, event_id, type, handled_at)
      SELECT 'backlog', 'old-' || n, 'note.added', now() - interval '30 days' FROM generate_series(1, 2500) AS n`);
    const statements = vi.spyOn(database.db, 'delete');
    try {
      expect(await pruneInbox(database.db, new Date(Date.now() - 86_400_000))).toBe(2500);
      expect(statements).toHaveBeenCalledTimes(3);
    } finally {
      statements.mockRestore();
    }
    expect((await database.db.select().from(schema.inbox)).length).toBe(before);
  });

  it('when more entries are old than one run deletes, then a run deletes INBOX_PRUNE_RUN_MAX of them, which tells its caller that more are left', async () => {
    await database.db.execute(sql`
      INSERT INTO inbox (consumer, event_id, type, handled_at)
      SELECT 'backlog', 'older-' || n, 'note.added', now() - interval '30 days' FROM generate_series(1, ${INBOX_PRUNE_RUN_MAX + 10}::int) AS n`);
    const cutoff = new Date(Date.now() - 86_400_000);
    expect(await pruneInbox(database.db, cutoff)).toBe(INBOX_PRUNE_RUN_MAX);
    expect(await pruneInbox(database.db, cutoff)).toBe(10);
  });

  describe('when an event is older than the inbox remembers', () => {
    const NOW = Date.parse('2026-12-03T12:00:00.000Z');
    const at = (ms: number) => ({ ...noteAddedEvent('old'), time: new Date(ms).toISOString() });
    const rowsOf = async (eventId: string) => (await database.pool.query('SELECT 1 FROM inbox WHERE event_id = $1', [eventId])).rowCount;
    afterEach(() => vi.useRealTimers());

    it('then it is refused, naming why, with no effect and no inbox row: its row may have been pruned after a first handling', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: NOW });
      for (const event of [at(NOW - INBOX_MEMORY_MS), at(NOW - INBOX_MEMORY_MS - 60_000), { ...noteAddedEvent('no date'), time: 'yesterday' }]) {
        const refused = addNote(event);
        await expect(refused, event.time).rejects.toBeInstanceOf(ForgottenEventError);
        await expect(refused).rejects.toMatchObject({
          name: 'ForgottenEventError',
          message: `event ${event.id} happened at ${event.time}, longer ago than the inbox remembers (35 days): it may have been handled already, so it is not applied; apply its effect by hand if it was not`,
        });
        expect(await notesOf(event.id)).toBe(0);
        expect(await rowsOf(event.id)).toBe(0);
      }
    });

    it('then the limit is the retention less an hour, and a younger event, or one with no time, is handled', async () => {
      expect(INBOX_MEMORY_MS).toBe(INBOX_RETENTION_MS - 3_600_000);
      vi.useFakeTimers({ toFake: ['Date'], now: NOW });
      const { time: _none, ...timeless } = noteAddedEvent('no time');
      for (const event of [at(NOW - INBOX_MEMORY_MS + 1), at(NOW), timeless]) {
        expect(await addNote(event as ReturnType<typeof noteAddedEvent>)).toBe(true);
        expect(await notesOf(event.id)).toBe(1);
      }
    });
  });

  it('when old entries are pruned, then only entries handled before the cutoff go', async () => {
    const before = (await database.db.select().from(schema.inbox)).length;
    expect(await pruneInbox(database.db, new Date(Date.now() - 3_600_000))).toBe(0);
    expect(await pruneInbox(database.db, new Date(Date.now() + 1_000))).toBe(before);
  });
});
