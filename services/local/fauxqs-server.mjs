// @ts-check
/**
 * The child process behind services/local/fauxqs.ts: fauxqs on 127.0.0.1 only, with its state saved to a file
 * at shutdown and restored at start.
 *
 * Plain JavaScript so it starts under bare `node` in about half a second (tsx would add ~0.7 s per restart).
 * fauxqs' own startFauxqs() listens on 0.0.0.0 unconditionally; its exported buildApp() leaves listening to us.
 * fauxqs keeps everything in memory and has no persistence, so the snapshot below is ours: it reads and refills
 * fauxqs' stores, whose modules are not in the package's exports map and are loaded by file URL. That ties this
 * file to fauxqs 1.9.x; test/services/local/fauxqs.test.ts covers it.
 *
 * Environment: FAUXQS_PORT, FAUXQS_STATE_FILE (no persistence when unset).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';
import { buildApp } from 'fauxqs';

const dist = import.meta.resolve('fauxqs');
const load = (/** @type {string} */ file) => import(new URL(file, dist).href);
const { SqsStore } = await load('./sqs/sqsStore.js');
const { SnsStore } = await load('./sns/snsStore.js');
const { S3Store } = await load('./s3/s3Store.js');
const { SETTABLE_ATTRIBUTES } = await load('./sqs/sqsTypes.js');

const stateFile = process.env.FAUXQS_STATE_FILE || undefined;
const sqsStore = new SqsStore();
const snsStore = new SnsStore();
const app = buildApp({ logger: false, stores: { sqsStore, snsStore, s3Store: new S3Store() } });
const address = await app.listen({ port: Number(process.env.FAUXQS_PORT ?? 0), host: '127.0.0.1' });
const port = new URL(address).port;
if (stateFile && existsSync(stateFile)) restore(JSON.parse(readFileSync(stateFile, 'utf8')));
process.send?.({ listening: address });

/** What is kept: topics, subscriptions (with their attributes), queues (settable attributes, tags) and every
 *  message with its attributes and receive count. In-flight messages come back visible; ids stay the same. */
function snapshot() {
  return {
    version: 1,
    topics: snsStore.listTopics().map((/** @type {any} */ topic) => ({
      name: topic.name,
      arn: topic.arn,
      attributes: topic.attributes,
      tags: Object.fromEntries(topic.tags),
    })),
    subscriptions: snsStore.listSubscriptions().map((/** @type {any} */ s) => ({
      topicArn: s.topicArn,
      protocol: s.protocol,
      endpoint: s.endpoint,
      attributes: s.attributes,
    })),
    queues: sqsStore.listQueues().map((/** @type {any} */ queue) => {
      const { ready, delayed, inflight } = queue.inspectMessages();
      return {
        name: queue.name,
        arn: queue.arn,
        attributes: Object.fromEntries(Object.entries(queue.attributes).filter(([key]) => SETTABLE_ATTRIBUTES.has(key))),
        tags: Object.fromEntries(queue.tags),
        messages: [...inflight.map((/** @type {any} */ entry) => entry.message), ...ready, ...delayed],
      };
    }),
  };
}

/** @param {ReturnType<typeof snapshot>} state */
function restore(state) {
  for (const queue of state.queues) {
    const region = queue.arn.split(':')[3];
    const url = sqsStore.buildQueueUrl(queue.name, port, `127.0.0.1:${port}`, region);
    const restored = sqsStore.createQueue(queue.name, url, queue.arn, queue.attributes, queue.tags);
    for (const message of queue.messages) restored.enqueue(message);
  }
  for (const topic of state.topics) snsStore.createTopic(topic.name, topic.attributes, topic.tags, topic.arn.split(':')[3]);
  for (const s of state.subscriptions) snsStore.subscribe(s.topicArn, s.protocol, s.endpoint, s.attributes);
}

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  // Closed first, so no request changes the stores after the snapshot is taken.
  await app.close();
  sqsStore.shutdown();
  if (stateFile) {
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(snapshot()));
    renameSync(`${stateFile}.tmp`, stateFile);
  }
  process.exit(0);
}

// Ctrl-C reaches the whole process group: wait for the parent's orderly SIGTERM instead. A closed IPC channel
// means the parent died (even by SIGKILL): save and go, never outlive it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => void shutdown());
process.on('disconnect', () => void shutdown());
