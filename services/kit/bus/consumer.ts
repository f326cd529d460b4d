/**
 * A queue consumer: long polls in batches of 10, hands each batch to processBatch, and stops gracefully.
 *
 * Hand-rolled rather than sqs-consumer 14: its stop() either waits out a pending 20 s long poll or aborts
 * every call in flight, including the deletes of messages whose effects are already committed. Here stop()
 * abandons only an idle poll and lets running handlers, and their deletes, finish.
 */
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { DEFAULT_HANDLER_TIMEOUT_SECONDS } from '../../contracts/shutdown';
import { backoffDelay, sleep, type Backoff } from './backoff';
import { batchTrouble, ifLogged } from './batch-trouble';
import { describeError } from './describe-error';
import { lookUpDeadLetter, type DeadLetterTarget } from './forward-dead-letter';
import { processBatch, type BatchContext, type EventSource } from './process-batch';

export type { Delivery, EventHandler } from './process-batch';

export interface ConsumerOptions<E extends { id: string; type: string }> extends EventSource<E> {
  /** Where dead letters go; read from the queue's redrive policy when absent. */
  readonly deadLetter?: DeadLetterTarget;
  readonly visibilityTimeoutSeconds?: number;
  /** How often a running handler's messages get their visibility extended; default a third of the timeout. */
  readonly heartbeatSeconds?: number;
  /** A handler still running after this long has its message given back, as a failure. @default DEFAULT_HANDLER_TIMEOUT_SECONDS */
  readonly handlerTimeoutSeconds?: number;
  readonly waitTimeSeconds?: number;
  /** Seconds a failed message waits before redelivery, growing with its receive count. @default DEFAULT_RETRY_SECONDS */
  readonly retrySeconds?: Backoff;
  /**
   * Pause after a failed receive (emulator down, network), in ms; also, jittered, after a batch that threw or whose
   * deletes or visibility changes SQS refused (batch-trouble.ts).
   */
  readonly receiveErrorPauseMs?: Backoff;
  /** Parallel poll loops; each handles up to 10 messages at a time. */
  readonly pollers?: number;
}

/**
 * 15 s, 30 s, 60 s, … at most 300 s: with the topology's 8 receives (services/contracts/bus-topology.ts), a failing
 * event is retried for about 18 minutes before it is dead-lettered, so a database failover or reboot sends nothing
 * there. A shorter schedule (2 s doubling, 5 receives) dead-lettered every event of a 30 s outage.
 */
export const DEFAULT_RETRY_SECONDS: Backoff = { base: 15, max: 300 };

export interface Consumer {
  start(): Promise<void>;
  /** Stops polling, waits for running handlers (each at most handlerTimeoutSeconds) and their deletes. */
  stop(): Promise<void>;
}

export function createConsumer<E extends { id: string; type: string }>(options: ConsumerOptions<E>): Consumer {
  let running = false;
  /** Counts starts: a start that waited for SQS goes on only if no stop and later start came meanwhile. */
  let generation = 0;
  let loops: Promise<void>[] = [];
  let stopping = new AbortController();
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
  const pause = options.receiveErrorPauseMs ?? { base: 200, max: 10_000 };
  const heartbeatSeconds = options.heartbeatSeconds ?? visibilityTimeoutSeconds / 3;
  // A beat must land well before the visibility lapses, or another consumer may start the same message.
  if (heartbeatSeconds > visibilityTimeoutSeconds / 2) {
    throw new Error(`heartbeatSeconds (${heartbeatSeconds}) must be at most half of visibilityTimeoutSeconds (${visibilityTimeoutSeconds})`);
  }

  async function pollLoop(context: BatchContext<E>): Promise<void> {
    let failures = 0;
    const trouble = batchTrouble(pause, options);
    // The previous batch's deletes run while the next receive waits; at most one batch settles at a time.
    let settling: Promise<void> = Promise.resolve();
    // Only a batch both handled and settled ends the backoff: one that was handled but not deleted says nothing of SQS.
    const settle = (settled: Promise<boolean>, messages: number) =>
      settled.then((ok) => (ok ? trouble.settled() : trouble.failed()), (error: unknown) => trouble.unexpected(error, messages));
    while (running) {
      await trouble.pauseIfOwed(stopping.signal);
      if (!running) break;
      let messages: Message[];
      try {
        messages = await receive(context);
        failures = 0;
      } catch (error) {
        if (!running) break;
        failures++;
        ifLogged(() => options.logger.warn({ consumer: options.name, reason: describeError(error), failures }, 'receive failed'));
        await sleep(backoffDelay(pause, failures), stopping.signal);
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await settling;
        const { settled } = await processBatch(context, messages);
        settling = settle(settled, messages.length);
      } catch (error) {
        settling = Promise.resolve();
        trouble.unexpected(error, messages.length);
      }
    }
    await settling;
  }

  async function receive(context: BatchContext<E>): Promise<Message[]> {
    const { Messages } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: context.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: options.waitTimeSeconds ?? 20,
        VisibilityTimeout: visibilityTimeoutSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      // Aborting an idle long poll loses nothing: a message it was about to return just stays invisible a while.
      { abortSignal: stopping.signal },
    );
    return Messages ?? [];
  }

  return {
    async start() {
      if (running) return;
      running = true;
      const started = ++generation;
      stopping = new AbortController();
      const deadLetter = options.deadLetter ?? (await lookUpDeadLetter(options, pause, stopping.signal));
      // Stopped while SQS did not answer (and perhaps started again since: that start goes on, not this one).
      if (!running || started !== generation) return;
      if (!deadLetter) options.logger.warn({ consumer: options.name }, 'queue has no redrive policy; failing events retry forever');
      const context: BatchContext<E> = {
        ...options,
        deadLetter,
        visibilityTimeoutSeconds,
        heartbeatSeconds,
        handlerTimeoutSeconds: options.handlerTimeoutSeconds ?? DEFAULT_HANDLER_TIMEOUT_SECONDS,
        retry: options.retrySeconds ?? DEFAULT_RETRY_SECONDS,
      };
      loops = Array.from({ length: options.pollers ?? 1 }, () => pollLoop(context));
      options.logger.info({ consumer: options.name, queueUrl: options.queueUrl }, 'consumer started');
    },
    async stop() {
      if (!running) return;
      running = false;
      stopping.abort();
      await Promise.all(loops);
      options.logger.info({ consumer: options.name }, 'consumer stopped');
    },
  };
}
