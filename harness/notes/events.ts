/**
 * The neutral event of the bus tests and the event benchmark, `test.note.added`, and its schema: what a service's
 * catalogue entry would be.
 */
import { z } from 'zod';
import { CatalogueMismatchError, cloudEventEnvelope } from '../../services/contracts/events';
import { newCloudEvent } from '../../services/kit/bus/cloud-event';

export const NOTE_ADDED = 'test.note.added';

const noteAdded = z.strictObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  type: z.literal(NOTE_ADDED),
  source: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().optional(),
  datacontenttype: z.literal('application/json'),
  data: z.strictObject({ text: z.string().min(1) }),
});

export type NoteAdded = z.infer<typeof noteAdded>;

/**
 * As `parseEvent` reads a service's events: a broken envelope throws a ZodError (a malformed message, dead-lettered
 * at once), a type or data the catalogue refuses a CatalogueMismatchError (an invalid event, retried).
 */
export function parseNoteAdded(raw: unknown): NoteAdded {
  const envelope = cloudEventEnvelope.parse(raw);
  if (envelope.type !== NOTE_ADDED) throw new CatalogueMismatchError(`unknown event type "${envelope.type}"; known: ${NOTE_ADDED}`);
  const event = noteAdded.safeParse(raw);
  if (!event.success) throw new CatalogueMismatchError(`"${NOTE_ADDED}" data that its schema refuses`, { cause: event.error });
  return event.data;
}

export function noteAddedEvent(text: string) {
  return newCloudEvent({ type: NOTE_ADDED, source: '/test', data: { text } });
}

/** The test bus: one topic and one consumer queue taking only `test.note.added`, like busTopology() shapes it. */
export function testTopology(prefix: string) {
  return {
    topicName: `${prefix}-events`,
    queues: [
      {
        consumer: 'notes',
        queueName: `${prefix}-notes-events`,
        deadLetterQueueName: `${prefix}-notes-events-dlq`,
        filterPolicy: { type: [NOTE_ADDED] },
        maxReceiveCount: 5,
      },
    ],
  };
}
