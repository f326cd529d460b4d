/**
 * The baseline beside the event flow: the same fauxqs topic and SQS long polling, without database, outbox or
 * inbox. One PublishBatch per message (as the relay does at low rates) and a receive-and-delete loop; latency is
 * publish call → message received. Runs in the producer's process.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { BusClients } from '../../services/kit/bus/clients';
import { createPublisher } from '../../services/kit/bus/publisher';

export const PING = 'bench.ping';

export interface BusBaseline {
  /** Publishes one message; resolves with its id once SNS accepted it. */
  send(): Promise<string>;
  latencies(ids: readonly string[]): number[];
  close(): Promise<void>;
}

export function startBusBaseline(clients: BusClients, topicArn: string, queueUrl: string): BusBaseline {
  const publisher = createPublisher(clients.sns, topicArn);
  const sentAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const { Messages = [] } = await clients.sqs
        .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }), { abortSignal: stopping.signal })
        .catch(() => ({ Messages: [] }));
      const now = performance.now();
      for (const message of Messages) receivedAt.set(JSON.parse(message.Body ?? '{}').id, now);
      if (Messages.length === 0) continue;
      const Entries = Messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle ?? '' }));
      void clients.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries })).catch(() => {});
    }
  })();
  return {
    async send() {
      const id = randomUUID();
      sentAt.set(id, performance.now());
      const outcome = await publisher.publish([{ key: id, type: PING, body: JSON.stringify({ id }), correlation: {} }]);
      if (outcome.callError !== undefined) throw outcome.callError;
      return id;
    },
    latencies: (ids) =>
      ids.flatMap((id) => {
        const [start, end] = [sentAt.get(id), receivedAt.get(id)];
        return start === undefined || end === undefined ? [] : [end - start];
      }),
    async close() {
      stopping.abort();
      await loop;
    },
  };
}
