/**
 * The app stack's grants between its services and what they use (app-stack.ts): each service's database, the bus
 * as its events say, and Identity's user administration in Cognito.
 */
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { consumedBy, producedBy } from '../services/contracts/events';
import type { ServiceName } from '../services/contracts/services';
import type { BusLocation } from '../services/contracts/service-env';
import type { AppStackProps } from './app-stack';
import type { Auth } from './constructs/auth';
import type { EventBus } from './constructs/event-bus';
import type { Microservice } from './constructs/microservice';
import { OutboxBacklogAlarm } from './constructs/outbox-backlog-alarm';
import { OutboxFailedAlarm } from './constructs/outbox-failed-alarm';

/** The services and the bus they are connected to. */
export interface ServiceConnections {
  readonly services: Readonly<Record<ServiceName, Microservice>>;
  readonly eventBus: EventBus;
  readonly props: AppStackProps;
  readonly prefix: string;
  readonly bus: BusLocation;
}

/** A producer's outbox alarms, by service: its backlog, and its events failed for good (docs/events.md). */
export interface OutboxAlarms {
  readonly backlog: Partial<Record<ServiceName, Alarm>>;
  readonly failed: Partial<Record<ServiceName, Alarm>>;
}

/**
 * Each service to its database, and to the bus as its events say (publish, consume, dead-letter); a producer's
 * outbox alarms, returned by service.
 */
export function connectServices({ services, eventBus, props, prefix, bus }: ServiceConnections): OutboxAlarms {
  const outboxAlarms: OutboxAlarms = { backlog: {}, failed: {} };
  for (const [name, svc] of Object.entries(services) as [ServiceName, Microservice][]) {
    // Asked from the service's side, so the rule lives in this stack and the data stack never refers back here.
    svc.service.connections.allowToDefaultPort(props.databases[name].instance, `${name} tasks to their database`);
    if (producedBy(name).length > 0) {
      // Its tasks report under the BUS_PREFIX that busEnvironment() gives them: bus.prefix.
      outboxAlarms.backlog[name] = new OutboxBacklogAlarm(svc, 'OutboxBacklog', { serviceName: name, busPrefix: bus.prefix, namePrefix: prefix, reportedBy: svc.service }).alarm;
      outboxAlarms.failed[name] = new OutboxFailedAlarm(svc, 'OutboxFailed', { serviceName: name, busPrefix: bus.prefix, namePrefix: prefix }).alarm;
      // sns:Publish only: the topic's key is AWS-managed (aws/sns), whose key policy already lets SNS use it
      // for any principal of the account, so grantPublish's extra kms:* on key/* would be dead weight.
      Grant.addToPrincipal({ grantee: svc.taskDefinition.taskRole, actions: ['sns:Publish'], resourceArns: [eventBus.topic.topicArn] });
    }
    if (consumedBy(name).length > 0) {
      const { queue, deadLetterQueue } = eventBus.consumer(name);
      queue.grantConsumeMessages(svc.taskDefinition.taskRole);
      // A message that keeps failing, or a malformed one at once, is forwarded to the dead-letter queue by the
      // consumer itself, with the reason attached, then deleted from the queue (services/kit/bus/failures.ts); the
      // queue's redrive policy only says where that is. Send and GetQueueUrl only: it never reads the dead letters.
      deadLetterQueue.grantSendMessages(svc.taskDefinition.taskRole);
      deadLetterQueue.grant(svc.taskDefinition.taskRole, 'sqs:GetQueueUrl');
    }
  }
  return outboxAlarms;
}

/**
 * Sign-up, deletion and sign-in of users. Sign-in and refresh are AdminInitiateAuth, signed by the task role, so
 * the app client needs no public password flow (lib/constructs/auth.ts).
 */
export function grantIdentityUserAdmin(auth: Auth, identity: Microservice): void {
  auth.userPool.grant(
    identity.taskDefinition.taskRole,
    'cognito-idp:AdminInitiateAuth',
    'cognito-idp:AdminCreateUser',
    'cognito-idp:AdminSetUserPassword',
    'cognito-idp:AdminGetUser',
    'cognito-idp:AdminDeleteUser',
    // Deletion signs the user out everywhere first, so its refresh tokens stop working (docs/identity.md).
    'cognito-idp:AdminUserGlobalSignOut',
  );
}
