import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventAttributes } from '../../../../services/kit/bus/attributes';
import { redriveDeadLetters } from '../../../../services/kit/bus/redrive-dead-letters';
import { noteAddedEvent } from '../../../../harness/notes/events';
import { startBusHarness, type BusHarness } from '../../../support/bus/harness';

/** The failures SQS may answer a batch call with, per entry; fauxqs never does, so they are injected in the client. */
const SEND_FAILED = { Code: 'InternalError', Message: 'We encountered an internal error.' };
const DELETE_FAILED = { Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle is invalid.' };

describe('bus: dlq redrive when SQS fails part of a batch', () => {
  let h: BusHarness;
  beforeAll(async () => {
    h = await startBusHarness('redrive');
  });
  afterAll(() => h?.close());
  beforeEach(() => h.useNewQueue());

  // fauxqs answers every receive from all of its messages, so nothing is missed without waiting (SQS's 1 s).
  const scan = { waitTimeSeconds: 0 };
  const redrive = () => redriveDeadLetters(h.clients.sqs, h.queue.deadLetterQueueUrl, h.queue.queueUrl, scan);

  const deadLetters = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const event = noteAddedEvent(`dead ${i}`);
      await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.queue.deadLetterQueueUrl, MessageBody: JSON.stringify(event), MessageAttributes: eventAttributes(event.type, {}) }));
    }
  };
  const depth = async (QueueUrl: string) => {
    const { Attributes } = await h.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  };

  /**
   * From the `call`th call of the command on (1 = the first): the whole call fails as a network error would, or,
   * given a failure, its first entry is held back and answered as failed.
   */
  const fail = (commandName: string, failure?: { Code: string; Message: string }, call = 1) => {
    const name = `fail-${commandName}`;
    let calls = 0;
    h.clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== commandName || ++calls < call) return next(args);
        if (!failure) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        const input = args.input as { Entries?: Array<{ Id?: string }> };
        const [held, ...rest] = input.Entries ?? [];
        const result = await next({ ...args, input: { ...input, Entries: rest } as typeof args.input });
        const output = result.output as { Failed?: unknown[] };
        output.Failed = [...(output.Failed ?? []), { Id: held!.Id, SenderFault: false, ...failure }];
        return result;
      },
      { step: 'initialize', name },
    );
    return () => h.clients.sqs.middlewareStack.remove(name);
  };

  it('when SQS keeps a dead letter it was asked to delete after its copy was sent back, then the redrive stops and says so instead of counting it as moved', async () => {
    await deadLetters(2);
    const restore = fail('DeleteMessageBatchCommand', DELETE_FAILED);
    try {
      await expect(redrive()).rejects.toThrow(
        new Error(
          'redrive stopped after moving 1 message: 1 of the 2 messages sent back to the queue is still in the dead-letter queue too ' +
            "(ReceiptHandleIsInvalid: The input receipt handle is invalid.); a later redrive sends it again, which the consumers' inboxes absorb",
        ),
      );
    } finally {
      restore();
    }
  });

  it('when in one batch some sends to the queue and some deletes from the dead-letter queue fail, then the error reports both, each with its own count', async () => {
    await deadLetters(3);
    const restore = [fail('SendMessageBatchCommand', SEND_FAILED), fail('DeleteMessageBatchCommand', DELETE_FAILED)];
    try {
      await expect(redrive()).rejects.toThrow(
        new Error(
          'redrive stopped after moving 1 message: ' +
            '1 of the 3 messages of the last batch could not be sent back to the queue and is still in the dead-letter queue only (InternalError: We encountered an internal error.); ' +
            'and 1 of the 2 messages sent back to the queue is still in the dead-letter queue too (ReceiptHandleIsInvalid: The input receipt handle is invalid.); ' +
            "a later redrive sends it again, which the consumers' inboxes absorb",
        ),
      );
    } finally {
      restore.forEach((remove) => remove());
    }
    // What the message says is where the messages are: the unsent one and the undeleted one in the DLQ, two copies sent back.
    expect(await depth(h.queue.deadLetterQueueUrl)).toBe(2);
    expect(await depth(h.queue.queueUrl)).toBe(2);
  });

  it('when a redrive stopped, then the messages it left in the dead-letter queue are seen again at once, and a rerun moves them', async () => {
    await deadLetters(3);
    const restore = [fail('SendMessageBatchCommand', SEND_FAILED), fail('DeleteMessageBatchCommand', DELETE_FAILED)];
    await expect(redrive()).rejects.toThrow(/^redrive stopped after moving 1 message: /);
    restore.forEach((remove) => remove());
    // Not hidden for the receive's 60 s visibility timeout: the rerun right away finds both.
    expect(await redrive()).toBe(2);
    expect(await depth(h.queue.deadLetterQueueUrl)).toBe(0);
    expect(await depth(h.queue.queueUrl)).toBe(4); // the undeleted one twice, which the inbox absorbs
  });

  it('when the whole delete call fails after the batch was sent back, then the error says every message of it is in both queues', async () => {
    await deadLetters(2);
    const restore = fail('DeleteMessageBatchCommand');
    try {
      await expect(redrive()).rejects.toThrow(
        new Error(
          'redrive stopped after moving 0 messages: 2 of the 2 messages sent back to the queue are still in the dead-letter queue too ' +
            "(TimeoutError: socket hang up (×2)); a later redrive sends them again, which the consumers' inboxes absorb",
        ),
      );
    } finally {
      restore();
    }
  });

  it('when the whole send call of a later batch fails, then the error counts what the run moved before and the batch it could not send', async () => {
    await deadLetters(12);
    const restore = fail('SendMessageBatchCommand', undefined, 2);
    try {
      await expect(redrive()).rejects.toThrow(
        new Error(
          'redrive stopped after moving 10 messages: 2 of the 2 messages of the last batch could not be sent back to the queue and are still ' +
            'in the dead-letter queue only (TimeoutError: socket hang up (×2))',
        ),
      );
    } finally {
      restore();
    }
  });

  it('when a delete fails in a later batch, then the counts are the whole run\'s moved messages and that batch\'s own, not the run\'s total as the batch', async () => {
    await deadLetters(12);
    const restore = fail('DeleteMessageBatchCommand', DELETE_FAILED, 2);
    try {
      await expect(redrive()).rejects.toThrow(/^redrive stopped after moving 11 messages: 1 of the 2 messages sent back to the queue is still in the dead-letter queue too /);
    } finally {
      restore();
    }
  });

  it('when a redrive is given a limit below a batch, then it moves that many and leaves the rest in the dead-letter queue', async () => {
    await deadLetters(5);
    expect(await redriveDeadLetters(h.clients.sqs, h.queue.deadLetterQueueUrl, h.queue.queueUrl, { ...scan, limit: 3 })).toBe(3);
    expect(await depth(h.queue.deadLetterQueueUrl)).toBe(2);
    expect(await depth(h.queue.queueUrl)).toBe(3);
  });
});
