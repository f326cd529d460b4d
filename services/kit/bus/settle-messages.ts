/**
 * What a batch leaves to do once its handlers returned (process-batch.ts): delete the handled messages, and put the
 * failed ones back with their delay. Neither throws: a failure is logged, and the queue gives the message back.
 * Each says whether it worked (no throw, no entry Failed), so the poll loop can pause while SQS refuses them.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../logger';
import type { IncomingMessage } from './incoming';

/** The queue a batch came from, and whose name and log its lines go to. */
export interface QueueAccess {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly name: string;
  readonly logger: Logger;
}

export async function deleteMessages(context: QueueAccess, messages: IncomingMessage[]): Promise<boolean> {
  if (messages.length === 0) return true;
  const Entries = messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.receiptHandle }));
  try {
    const result = await context.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: context.queueUrl, Entries }));
    // Undeleted messages come back; the inbox makes the second delivery a no-op.
    if (!result.Failed?.length) return true;
    context.logger.warn({ consumer: context.name, failed: result.Failed }, 'some handled messages were not deleted');
  } catch (error) {
    context.logger.warn({ consumer: context.name, err: error }, 'deleting handled messages failed; they will be redelivered');
  }
  return false;
}

export async function changeVisibility(context: QueueAccess, messages: Array<readonly [IncomingMessage, number]>): Promise<boolean> {
  if (messages.length === 0) return true;
  const Entries = messages.map(([message, seconds], index) => ({ Id: `m${index}`, ReceiptHandle: message.receiptHandle, VisibilityTimeout: seconds }));
  try {
    const result = await context.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: context.queueUrl, Entries }));
    // Entries SQS did not change keep the visibility they had: they come back sooner or later than meant.
    if (!result.Failed?.length) return true;
    context.logger.warn({ consumer: context.name, failed: result.Failed }, 'changing message visibility failed');
  } catch (error) {
    context.logger.warn({ consumer: context.name, err: error }, 'changing message visibility failed');
  }
  return false;
}
