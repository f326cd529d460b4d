/**
 * A page when RDS says one of the given instances failed over, failed, restarted or ran out of storage. The alarms
 * read metrics, and none of these shows in one: a Multi-AZ failover (a maintenance reboot, a lost AZ) moves the
 * endpoint in a minute or two, during which the services answer 503s that the API's 5xx alarm may or may not count,
 * and an instance RDS restarted or stopped for lack of storage says so only in its event list. An RDS event
 * subscription publishes those events to the alerts topic with the instance and RDS's own message. It is free.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnEventSubscription, type IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * RDS's event categories for a DB instance that need someone: `failover` (Multi-AZ failover started and completed),
 * `failure` (the instance failed, or cannot start with its parameters or network), `availability` (shut down,
 * restarted) and `low storage` (storage exhausted, instance stopped). Not `maintenance` (patches in the known window,
 * RDS_WINDOWS), `backup` or `notification`, which would page every week for nothing to do.
 */
export const PAGING_DATABASE_EVENTS = ['availability', 'failover', 'failure', 'low storage'] as const;

export interface DatabaseEventAlertProps {
  /** The RDS instances whose events page; at least one. */
  readonly instances: readonly IDatabaseInstance[];
  /** The alerts topic: one of this app's, since its policy gets a statement letting RDS publish. */
  readonly topic: ITopic;
  /**
   * RDS event categories to page on (`aws rds describe-event-categories --source-type db-instance`).
   * @default PAGING_DATABASE_EVENTS
   */
  readonly categories?: readonly string[];
}

export class DatabaseEventAlert extends Construct {
  public readonly subscription: CfnEventSubscription;

  constructor(scope: Construct, id: string, props: DatabaseEventAlertProps) {
    super(scope, id);
    if (props.instances.length === 0) throw new Error('DatabaseEventAlert needs at least one instance; got none');
    const categories = props.categories ?? PAGING_DATABASE_EVENTS;
    if (categories.length === 0) throw new Error('DatabaseEventAlert needs at least one event category; got none');

    // The topic's policy replaced SNS's default one, so RDS may publish only if it says so; only this account's
    // event subscriptions may (aws:SourceArn, aws:SourceAccount), so no other account can use RDS to publish here.
    const { account, region, partition } = Stack.of(this);
    const added = props.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DatabaseEventsPublish',
        principals: [new ServicePrincipal('events.rds.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:rds:${region}:${account}:es:*` },
        },
      }),
    );
    if (!added.statementAdded || !added.policyDependable) {
      throw new Error(`DatabaseEventAlert topic must be one this app creates (its policy admits RDS); got an imported topic, ${props.topic.node.path}`);
    }
    // No subscription name: CloudFormation makes one, so a destroyed and redeployed stage never meets its old one.
    this.subscription = new CfnEventSubscription(this, 'Subscription', {
      snsTopicArn: props.topic.topicArn,
      sourceType: 'db-instance',
      sourceIds: props.instances.map((instance) => instance.instanceIdentifier),
      eventCategories: [...categories],
      enabled: true,
    });
    // RDS checks that it may publish when the subscription is made.
    this.subscription.node.addDependency(added.policyDependable);
  }
}
