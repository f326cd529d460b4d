/** createInbox: a service's unit of work, built on the transaction that records the event id. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../../services/kit/db/database';
import { migrateWithLock } from '../../../../services/kit/db/migrate';
import type { SqlExecutor } from '../../../../services/kit/db/sql-executor';
import { createInbox } from '../../../../services/kit/inbox/inbox';
import { noteAddedEvent } from '../../../../harness/notes/events';
import type { TestDb } from '../../../support/bus/harness';
import * as schema from '../../../../harness/notes/schema';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { testLogger } from '../../../support/silent-logger';

const MIGRATIONS = new URL('../../../../harness/notes/migrations', import.meta.url).pathname;

/** The smallest unit of work: one repository on whatever executor it is given. */
const notesUnitOfWork = (db: SqlExecutor) => ({
  notes: {
    async add(eventId: string, text: string): Promise<void> {
      await db.insert(schema.notes).values({ eventId, text });
    },
  },
});

describe('inbox: createInbox', () => {
  let testDatabase: TestDatabase;
  let database: TestDb;
  beforeAll(async () => {
    testDatabase = await createTestDatabase('inbox_uow');
    database = createDatabase({ connectionString: testDatabase.url, schema, logger: testLogger });
    await migrateWithLock(database.pool, MIGRATIONS, 'test', testLogger);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  const notesOf = async (eventId: string) => (await database.db.select().from(schema.notes)).filter((n) => n.eventId === eventId).length;

  it('when an event is handled twice, then the work runs once, on the unit of work', async () => {
    const inbox = createInbox(database.db, notesUnitOfWork);
    const event = noteAddedEvent('once');
    const handle = () => inbox.handleOnce('notes', event, (unitOfWork) => unitOfWork.notes.add(event.id, event.data.text));
    expect(await handle()).toBe(true);
    expect(await handle()).toBe(false);
    expect(await notesOf(event.id)).toBe(1);
  });

  it('when the work fails after writing, then its write and the record roll back together', async () => {
    const inbox = createInbox(database.db, notesUnitOfWork);
    const event = noteAddedEvent('rolled back');
    const failing = inbox.handleOnce('notes', event, async (unitOfWork) => {
      await unitOfWork.notes.add(event.id, event.data.text);
      throw new Error('failed after the write');
    });
    await expect(failing).rejects.toThrow('failed after the write');
    expect(await notesOf(event.id)).toBe(0);
    expect(await inbox.handleOnce('notes', event, (unitOfWork) => unitOfWork.notes.add(event.id, event.data.text))).toBe(true);
  });
});
