import { ListSubscriptionsByTopicCommand, GetSubscriptionAttributesCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFauxqsEmulator, type FauxqsEmulator } from '../../../../services/local/emulators/fauxqs';
import { EVENT_TYPES, TYPE_ATTRIBUTE as CATALOGUE_TYPE_ATTRIBUTE } from '../../../../services/contracts/events';
import { busTopology, MAX_RECEIVE_COUNT } from '../../../../services/contracts/bus-topology';
import { TYPE_ATTRIBUTE } from '../../../../services/kit/bus/attributes';
import { createBusClients, type BusClients } from '../../../../services/kit/bus/clients';
import { createPublisher } from '../../../../services/kit/bus/publisher';
import { ensureTopology, queueOf } from '../../../../services/kit/bus/provisioned-topology';

describe('bus topology', () => {
  let emulator: FauxqsEmulator;
  let clients: BusClients;
  beforeAll(async () => {
    emulator = await startFauxqsEmulator();
    clients = createBusClients({ endpoint: emulator.endpoint });
  });
  afterAll(async () => {
    clients?.close();
    await emulator?.stop();
  });

  it('when the platform attribute name is compared with the catalogue, then they are the same', () => {
    expect(TYPE_ATTRIBUTE).toBe(CATALOGUE_TYPE_ATTRIBUTE);
  });

  it('when provisioned twice, then the second run finds the same topic, queues and one subscription each', async () => {
    const first = await ensureTopology(clients, busTopology('twice'));
    const second = await ensureTopology(clients, busTopology('twice'));
    expect(second).toEqual(first);
    const { Subscriptions } = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: first.topicArn }));
    expect(Subscriptions).toHaveLength(busTopology('twice').queues.length);
  });

  it('when provisioned, then each queue keeps messages 14 days, dead-letters after MAX_RECEIVE_COUNT, and its subscription is raw and filtered', async () => {
    const bus = await ensureTopology(clients, busTopology('shape'));
    const billing = queueOf(bus, 'billing');
    const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: billing.queueUrl, AttributeNames: ['All'] }));
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: billing.deadLetterQueueArn, maxReceiveCount: MAX_RECEIVE_COUNT });
    expect(Attributes?.MessageRetentionPeriod).toBe(String(14 * 24 * 3600));
    expect(JSON.parse(Attributes?.Policy ?? '{}').Statement[0].Condition.ArnEquals['aws:SourceArn']).toBe(bus.topicArn);
    const { Subscriptions } = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: bus.topicArn }));
    const subscription = Subscriptions?.find((s) => s.Endpoint === billing.queueArn);
    const { Attributes: sub } = await clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription?.SubscriptionArn }));
    expect(sub).toMatchObject({ RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ type: ['identity.user.registered', 'identity.user.deleted'] }) });
  });

  it('when events of each type of the catalogue and one of no type are published, then each queue receives only the types its consumer takes', async () => {
    const bus = await ensureTopology(clients, busTopology('route'));
    const publisher = createPublisher(clients.sns, bus.topicArn);
    // The catalogue's own list: a hard-coded one made a newly added type look like a topology that drops it.
    const types = [...EVENT_TYPES, 'nobody.takes.this'];
    await publisher.publish(types.map((type) => ({ key: type, type, body: JSON.stringify({ type }), correlation: {} })));
    for (const queue of bus.queues) {
      const { Messages = [] } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const received = Messages.map((m) => JSON.parse(m.Body ?? '{}').type).sort();
      const expected = busTopology('route').queues.find((q) => q.consumer === queue.consumer)?.eventTypes ?? [];
      expect(received, `${queue.consumer}'s queue`).toEqual([...expected].sort());
    }
  });
});
