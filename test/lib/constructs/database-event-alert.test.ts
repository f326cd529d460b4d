import { Template } from 'aws-cdk-lib/assertions';
import { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { DatabaseInstance, DatabaseInstanceEngine, PostgresEngineVersion } from 'aws-cdk-lib/aws-rds';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseEventAlert } from '../../../lib/constructs/database-event-alert';
import { disposeTestApps, resourcesOf, testStack } from '../synth';
import { network } from './fixtures';

afterEach(disposeTestApps);

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: unknown;
  Condition?: unknown;
}

/** Two imported instances and the alerts topic, with the construct watching both. */
function build(categories?: readonly string[]) {
  const { stack } = testStack();
  const vpc = network(stack);
  const instance = (name: string) => DatabaseInstance.fromDatabaseInstanceAttributes(stack, name, {
    instanceIdentifier: `platform-test-${name.toLowerCase()}`,
    instanceEndpointAddress: `${name.toLowerCase()}.example.internal`,
    port: 5433,
    securityGroups: [new SecurityGroup(stack, `${name}SecurityGroup`, { vpc })],
    engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_16 }),
  });
  const topic = new Topic(stack, 'Alerts');
  new DatabaseEventAlert(stack, 'DatabaseEvents', { instances: [instance('Identity'), instance('Billing')], topic, ...(categories ? { categories } : {}) });
  const template = Template.fromStack(stack);
  const [subscriptionId, subscription] = Object.entries(resourcesOf(template, 'AWS::RDS::EventSubscription'))[0]!;
  return { stack, template, subscriptionId, subscription: subscription as typeof subscription & { DependsOn?: string[] } };
}

describe('DatabaseEventAlert', () => {
  it('when an instance fails over, fails, restarts or runs out of storage, then RDS publishes the event to the alerts topic', () => {
    const { template, subscription } = build();
    const topicId = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'))[0]!;
    expect(subscription.Properties).toEqual({
      SnsTopicArn: { Ref: topicId },
      SourceType: 'db-instance',
      SourceIds: ['platform-test-identity', 'platform-test-billing'],
      EventCategories: ['availability', 'failover', 'failure', 'low storage'],
      Enabled: true,
    });
  });

  it('when RDS publishes, then the topic admits this account\'s event subscriptions only, and the subscription is made after that statement', () => {
    const { template, subscription } = build();
    const [policyId, policy] = Object.entries(resourcesOf(template, 'AWS::SNS::TopicPolicy'))[0]!;
    const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.filter((statement) => JSON.stringify(statement.Principal) === JSON.stringify({ Service: 'events.rds.amazonaws.com' }))).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:rds:us-east-1:123456789012:es:*' },
        },
      }),
    ]);
    // RDS checks its permission to publish when the subscription is made.
    expect(subscription.DependsOn).toContain(policyId);
  });

  it('when deployed, then the subscription has no fixed name, so a stage destroyed and deployed again never meets its old one', () => {
    expect(build().subscription.Properties).not.toHaveProperty('SubscriptionName');
  });

  it('when given other categories, then those page instead', () => {
    expect(build(['failover']).subscription.Properties?.EventCategories).toEqual(['failover']);
  });

  it('when given no instance, no category or an imported topic, then construction fails naming it', () => {
    const { stack } = testStack();
    const topic = new Topic(stack, 'Alerts');
    expect(() => new DatabaseEventAlert(stack, 'None', { instances: [], topic })).toThrow(/at least one instance; got none/);
    const instance = DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'db', instanceEndpointAddress: 'db.example.internal', port: 5433, securityGroups: [],
    });
    expect(() => new DatabaseEventAlert(stack, 'NoCategory', { instances: [instance], topic, categories: [] })).toThrow(/at least one event category; got none/);
    const imported = Topic.fromTopicArn(stack, 'Imported', 'arn:aws:sns:us-east-1:123456789012:elsewhere');
    expect(() => new DatabaseEventAlert(stack, 'Elsewhere', { instances: [instance], topic: imported })).toThrow(/must be one this app creates .*got an imported topic, Test\/Imported/);
  });
});
