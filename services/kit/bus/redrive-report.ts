/**
 * What `dlq redrive` says when it stops: how many messages it moved before, and of the batch it stopped on, which
 * could not be sent back (still only in the dead-letter queue) and which were sent back but not deleted (now in
 * both queues). Both can happen in one batch; an operator must hear of each, with the right counts.
 */

/** "1 message", "3 messages". */
export const messages = (count: number): string => `${count} message${count === 1 ? '' : 's'}`;

/** The reasons, each once, with how many messages gave it when more than one did. */
function reasons(failures: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const failure of failures) counts.set(failure, (counts.get(failure) ?? 0) + 1);
  return [...counts].map(([reason, count]) => (count === 1 ? reason : `${reason} (${messages(count)})`)).join('; ');
}

export interface StoppedBatch {
  /** Moved (sent back and deleted) by this run before it stopped, this batch included. */
  readonly moved: number;
  /** Messages in the batch it stopped on. */
  readonly batchSize: number;
  /** Why each message of the batch that could not be sent back failed. */
  readonly unsent: readonly string[];
  /** Messages of the batch sent back to the queue. */
  readonly sent: number;
  /** Why each message sent back could not be deleted from the dead-letter queue. */
  readonly undeleted: readonly string[];
}

export function redriveStopped({ moved, batchSize, unsent, sent, undeleted }: StoppedBatch): Error {
  const parts: string[] = [];
  if (unsent.length > 0) {
    const are = unsent.length === 1 ? 'is' : 'are';
    parts.push(`${unsent.length} of the ${messages(batchSize)} of the last batch could not be sent back to the queue and ${are} still in the dead-letter queue only (${reasons(unsent)})`);
  }
  if (undeleted.length > 0) {
    const [are, them] = undeleted.length === 1 ? ['is', 'it'] : ['are', 'them'];
    parts.push(
      `${undeleted.length} of the ${messages(sent)} sent back to the queue ${are} still in the dead-letter queue too (${reasons(undeleted)}); ` +
        `a later redrive sends ${them} again, which the consumers' inboxes absorb`,
    );
  }
  return new Error(`redrive stopped after moving ${messages(moved)}: ${parts.join('; and ')}`);
}
