// @ts-check
/**
 * The child process behind services/local/emulators/fauxqs.ts: fauxqs on 127.0.0.1 only, its state kept in fauxqs' own
 * SQLite store under FAUXQS_DATA_DIR (every change is written through, so even a SIGKILL loses nothing).
 *
 * Plain JavaScript so it starts under bare `node` in about half a second (tsx would add ~0.7 s per restart).
 * fauxqs' startFauxqs() listens on 0.0.0.0 unconditionally, which would expose the emulator to the LAN, so this
 * file does what it does (stores, persistence, buildApp) and listens on loopback itself. PersistenceManager is not
 * in the package's exports map and is loaded by file URL: that ties this file to fauxqs 2.x, and
 * test/services/local/emulators/fauxqs.test.ts covers it.
 *
 * Environment: FAUXQS_PORT, FAUXQS_DATA_DIR (in memory only when unset).
 */
import process from 'node:process';
import { URL } from 'node:url';
import { buildApp } from 'fauxqs';
import { startFailureText } from '../../kit/start-failure.mjs';
import { importLegacyState } from './fauxqs-legacy-state.mjs';

// A start that fails (its port taken since the launcher looked, a store it cannot open) says why in a line, which
// the launcher shows among its last lines, instead of Node's stack trace of an uncaught error (start-failure.mjs).
// A crash once it listens is no failure to start, and keeps Node's own report.
const failedToStart = (/** @type {unknown} */ error) => {
  process.stderr.write(startFailureText('fauxqs', error));
  process.exit(1);
};
process.once('uncaughtException', failedToStart);

const dist = import.meta.resolve('fauxqs');
const load = (/** @type {string} */ file) => import(new URL(file, dist).href);
const { SqsStore } = await load('./sqs/sqsStore.js');
const { SnsStore } = await load('./sns/snsStore.js');
const { S3Store } = await load('./s3/s3Store.js');
const { PersistenceManager } = await load('./persistence.js');

const dataDir = process.env.FAUXQS_DATA_DIR || undefined;
const stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
const persistence = dataDir ? new PersistenceManager(dataDir) : undefined;
if (persistence && dataDir) {
  // fauxqs 2.4's updateMessageReady writes NULL into the NOT NULL receive count, so with persistence on every
  // message made visible again (ChangeMessageVisibility to 0, an expired timeout) failed with a 500. Clear only
  // the in-flight fields, as the in-memory queue does. test/services/local/emulators/fauxqs.test.ts covers it.
  const clearInflight = persistence.db.prepare('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?');
  persistence.updateMessageReady = (/** @type {string} */ messageId) => clearInflight.run(messageId);
  // As startFauxqs() does: load first, then write through, so loading does not write everything back.
  persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  stores.sqsStore.persistence = persistence;
  stores.snsStore.persistence = persistence;
  stores.s3Store.persistence = persistence;
  for (const queue of stores.sqsStore.allQueues()) queue.persistence = persistence;
  // After write-through is on, so what a release before fauxqs 2 left in its snapshot is kept from now on.
  const imported = importLegacyState(dataDir, stores.sqsStore, Number(process.env.FAUXQS_PORT ?? 0));
  if (imported !== undefined) process.stdout.write(`imported ${imported} message(s) from the ${dataDir}/fauxqs-state.json of an older release\n`);
}
const app = buildApp({ logger: false, stores });
if (persistence) app.addHook('preClose', () => persistence.close());
const address = await app.listen({ port: Number(process.env.FAUXQS_PORT ?? 0), host: '127.0.0.1' });
process.removeListener('uncaughtException', failedToStart);
process.send?.({ listening: address });

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await app.close();
  stores.sqsStore.shutdown();
  process.exit(0);
}

// The parent stops it with SIGTERM (it runs in a process group of its own, so a Ctrl-C does not reach it). A
// closed IPC channel means the parent died (even by SIGKILL): go, never outlive it.
process.on('SIGTERM', () => void shutdown());
process.on('disconnect', () => void shutdown());
