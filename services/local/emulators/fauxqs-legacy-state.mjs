// @ts-check
/**
 * Releases before fauxqs 2 (up to 2026-12-01) kept the bus in `fauxqs-state.json`, a snapshot written at stop;
 * fauxqs 2 keeps it in its own SQLite store and never reads that file. Without this import, an upgrade on a kept
 * DATA_DIR silently dropped every message still waiting in a queue or a dead-letter queue: an event the old
 * release had published but no consumer had handled yet was lost, and the counters it drives stayed wrong.
 *
 * The queues and their messages are imported into the store (topics and subscriptions are left to the launcher,
 * which provisions them on every start), then the file is renamed, so it is read once. An older release started
 * later on the same DATA_DIR finds no snapshot and starts with an empty bus; what it leaves in its own snapshot at
 * stop is imported at the next start of this one.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';

export const LEGACY_STATE_FILE = 'fauxqs-state.json';

/**
 * @param {string} dataDir the folder of the SQLite store, where the old releases wrote their snapshot too
 * @param {any} sqsStore fauxqs' SqsStore, already writing through to the SQLite store
 * @param {number} port the port the emulator listens on, for the URL of a queue the snapshot creates
 * @returns {number | undefined} the messages imported, or undefined when there was no snapshot
 */
export function importLegacyState(dataDir, sqsStore, port) {
  const file = path.join(dataDir, LEGACY_STATE_FILE);
  if (!existsSync(file)) return undefined;
  /** @type {{ queues?: { name: string, arn: string, attributes: Record<string, string>, tags: Record<string, string>, messages: any[] }[] }} */
  let state;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // A start that fails says which file and what to do, not a bare JSON.parse message (fauxqs-server.mjs prints it).
    throw new Error(`${file}, the bus an older release saved, cannot be read (${/** @type {Error} */ (error).message}): move it away to start without the events it held`);
  }
  let imported = 0;
  for (const saved of state.queues ?? []) {
    const region = saved.arn.split(':')[3];
    const queue = sqsStore.getQueueByName(saved.name) ??
      sqsStore.createQueue(saved.name, sqsStore.buildQueueUrl(saved.name, port, `127.0.0.1:${port}`, region), saved.arn, saved.attributes, saved.tags);
    const { ready, delayed, inflight } = queue.inspectMessages();
    const present = new Set([...ready, ...delayed, ...inflight.map((/** @type {any} */ entry) => entry.message)].map((m) => m.messageId));
    for (const message of saved.messages) {
      if (present.has(message.messageId)) continue;
      queue.enqueue(message);
      imported += 1;
    }
  }
  renameSync(file, `${file}.imported`);
  return imported;
}
