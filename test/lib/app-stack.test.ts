import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SPOT_SHUTDOWN_DELAY } from '../../lib/constructs/microservice';
import { assetHashSerializer, resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

expect.addSnapshotSerializer(assetHashSerializer);

const synthesized = await stageTemplates();

interface ContainerDefinition {
  Name: string;
  StopTimeout?: number;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
}

/** The service container of each task definition, by container name. */
function serviceContainers(template: Template): Map<string, ContainerDefinition> {
  const containers = new Map<string, ContainerDefinition>();
  for (const task of Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'))) {
    for (const container of task.Properties?.ContainerDefinitions as ContainerDefinition[]) {
      containers.set(container.Name, container);
    }
  }
  return containers;
}

const envNames = (container: ContainerDefinition | undefined) => (container?.Environment ?? []).map((e) => e.Name);
const envValue = (container: ContainerDefinition | undefined, name: string) =>
  container?.Environment?.find((e) => e.Name === name)?.Value;

describe.each(['dev', 'prod'] as const)('app stack (%s)', (stage) => {
  const template = () => synthesized[stage].appTemplate;

  it('when synthesized, then the template matches the snapshot', () => {
    expect(template().toJSON()).toMatchSnapshot();
  });

  it('when synthesized, then each service gets the libpq, Cognito and bus settings it needs and no more, runs as its app role and applies no migrations (its deploy step did)', () => {
    const containers = serviceContainers(template());
    expect([...containers.keys()].sort()).toEqual(['billing', 'identity', 'product']);
    for (const container of containers.values()) {
      expect(envNames(container)).toEqual(
        expect.arrayContaining(['PORT', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGSSLMODE', 'COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'AWS_REGION']),
      );
      expect(envValue(container, 'PGDATABASE')).toBe(container.Name);
      expect(envValue(container, 'PGUSER')).toBe(`${container.Name}_app`);
      expect(envValue(container, 'DATABASE_MIGRATIONS')).toBe('check');
      expect(envNames(container).filter((name) => name.startsWith('DATABASE_MIGRATION_'))).toEqual([]);
      expect(envValue(container, 'DATABASE_IAM_AUTH')).toBe('true');
      expect(container.Secrets).toBeUndefined();
    }
    // Producers (identity, billing) get the topic; every consumer its queue (product: identity.user.deleted only).
    for (const name of ['identity', 'billing']) {
      expect(envNames(containers.get(name))).toEqual(expect.arrayContaining(['EVENTS_TOPIC_ARN', 'EVENTS_QUEUE_URL']));
    }
    expect(envNames(containers.get('product')).filter((n) => n.startsWith('EVENTS_'))).toEqual(['EVENTS_QUEUE_URL']);
    expect(envNames(containers.get('billing'))).not.toContain('EVENTS_DLQ_URL'); // read from the redrive policy
    expect(envValue(containers.get('billing'), 'PRODUCT_SERVICE_URL')).toBe('http://product');
  });

  it('when synthesized, then each service is updated only after its own migration step, which migrates its own database as its owner', () => {
    const resources = template().toJSON().Resources as Record<string, { Type: string; DependsOn?: string[]; Properties: Record<string, unknown> }>;
    const steps = Object.entries(resources).filter(([, resource]) => resource.Type === 'Custom::DatabaseMigrations');
    expect(steps.map(([id]) => id.replace(/Run[0-9A-F]{8}$/, '')).sort()).toEqual(['BillingMigrations', 'IdentityMigrations', 'ProductMigrations']);
    for (const name of ['identity', 'product', 'billing']) {
      const [stepId, step] = steps.find(([id]) => id.toLowerCase().startsWith(`${name}migrations`))!;
      expect(step.Properties.Database).toMatchObject({ name, owner: `${name}_service` });
      const [, service] = Object.entries(resources).find(([id, resource]) => resource.Type === 'AWS::ECS::Service' && id.toLowerCase().startsWith(name))!;
      expect(service.DependsOn, name).toContain(stepId);
    }
  });

  it('when synthesized, then a consumer may send to its own dead-letter queue (it forwards poison messages with the reason)', () => {
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsBillingDeadLetterQueue'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('when synthesized, then Billing reaches Product through Service Connect, not through the ALB', () => {
    template().hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: {
        Enabled: true,
        Services: Match.arrayWith([Match.objectLike({ PortName: 'http', DiscoveryName: 'product', ClientAliases: [{ DnsName: 'product', Port: 80 }] })]),
      },
    });
    const clientsOnly = Object.values(resourcesOf(template(), 'AWS::ECS::Service')).filter((s) => {
      const config = s.Properties?.ServiceConnectConfiguration as { Services?: unknown[] } | undefined;
      return config && (config.Services ?? []).length === 0;
    });
    expect(clientsOnly).toHaveLength(1);
    // A client learns the namespace's endpoints when its tasks start: Billing is created after Product. And updated
    // after it: a release may let Product take more (GetPrices' limit) and have Billing use it (docs/infrastructure.md).
    const services = template().findResources('AWS::ECS::Service') as Record<string, { DependsOn?: string[] }>;
    const productId = Object.keys(services).find((id) => id.startsWith('ProductService'));
    expect(services[Object.keys(services).find((id) => id.startsWith('BillingService'))!]?.DependsOn).toContain(productId);
  });

  it('when synthesized, then each Service Connect service names the stack\'s namespace by its ARN, so a destroy deletes the services before the namespace', () => {
    // A name instead of Fn::GetAtt would leave CloudFormation no dependency to order the delete by (DeleteNamespace
    // refuses a namespace with services: "ResourceInUse"), and ECS would make a namespace of that name outside the stack.
    const namespaces = Object.keys(resourcesOf(template(), 'AWS::ServiceDiscovery::HttpNamespace'));
    expect(namespaces).toHaveLength(1);
    const connected = Object.values(resourcesOf(template(), 'AWS::ECS::Service')).filter((s) => s.Properties?.ServiceConnectConfiguration);
    expect(connected).toHaveLength(2);
    for (const service of connected) {
      expect(service.Properties?.ServiceConnectConfiguration).toMatchObject({ Enabled: true, Namespace: { 'Fn::GetAtt': [namespaces[0], 'Arn'] } });
    }
  });

  it('when synthesized, then only Identity may administer Cognito users', () => {
    const policies = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy'));
    const withCognito = policies.filter(([, p]) => JSON.stringify(p.Properties).includes('cognito-idp:Admin'));
    expect(withCognito.map(([id]) => id)).toEqual([expect.stringMatching(/^IdentityTaskTaskRoleDefaultPolicy/)]);
  });

  it('when synthesized, then only Identity\'s task role may sign users in (AdminInitiateAuth), on the user pool alone', () => {
    type Statement = { Action: string | string[]; Effect: string; Resource: unknown };
    const granting = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement
        .filter((s) => [s.Action].flat().some((action) => action === 'cognito-idp:AdminInitiateAuth' || action === 'cognito-idp:*'))
        .map((s) => ({ id, effect: s.Effect, resource: s.Resource })),
    );
    expect(granting).toEqual([{ id: expect.stringMatching(/^IdentityTaskTaskRoleDefaultPolicy/), effect: 'Allow', resource: { 'Fn::GetAtt': ['AuthUserPool8115E87F', 'Arn'] } }]);
  });

  it('when synthesized, then no app client allows a public password or SRP sign-in, only the admin one and refresh', () => {
    // The client id is public (every token's client_id) and InitiateAuth needs no credentials: a public password flow
    // (USER_PASSWORD_AUTH, USER_SRP_AUTH, or USER_AUTH, which covers both) would let anyone guess passwords at Cognito
    // around WAF and the edge's limits. A client without the list would get Cognito's default, SRP among it.
    const flows = Object.values(resourcesOf(template(), 'AWS::Cognito::UserPoolClient')).map((c) => c.Properties?.ExplicitAuthFlows);
    expect(flows).toEqual([['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']]);
    expect(JSON.stringify(template().toJSON())).not.toMatch(/(?<!ADMIN_)USER_PASSWORD_AUTH|USER_SRP_AUTH|ALLOW_USER_AUTH|CUSTOM_AUTH/);
  });

  it('when synthesized, then the app client keeps its pinned logical id and its secretless kind, so a deploy updates it in place', () => {
    // Its id is the audience of every token (COGNITO_CLIENT_ID, the authorizer's and the services' client check): a
    // new logical id or a change to GenerateSecret (fixed at creation) would replace it and sign every user out.
    // ExplicitAuthFlows, by contrast, CloudFormation updates in place (no interruption).
    const clients = resourcesOf(template(), 'AWS::Cognito::UserPoolClient');
    expect(Object.keys(clients)).toEqual(['AuthUserPoolAppClient1D18298A']);
    expect(clients.AuthUserPoolAppClient1D18298A?.Properties?.GenerateSecret).toBe(false);
  });

  it('when synthesized, then the user pool keeps its pinned logical id, and in prod it is kept on delete and protected', () => {
    // The pool holds every user: a new logical id (a renamed construct) would make CloudFormation replace it, empty.
    // Rename only with a migration plan (docs/infrastructure.md, "Stateful resources"), then update this on purpose.
    const pools = resourcesOf(template(), 'AWS::Cognito::UserPool');
    expect(Object.keys(pools)).toEqual(['AuthUserPool8115E87F']);
    const pool = template().toJSON().Resources.AuthUserPool8115E87F as { DeletionPolicy?: string; Properties: { DeletionProtection?: string } };
    if (stage === 'prod') {
      expect(pool.DeletionPolicy).toBe('Retain');
      expect(pool.Properties.DeletionProtection).toBe('ACTIVE');
    } else {
      expect(pool.DeletionPolicy).toBe('Delete');
    }
  });

  it('when synthesized, then the user pool\'s settings that Cognito fixes at creation are the pinned ones', () => {
    // A change to any of these makes CloudFormation replace the pool: in prod (kept on delete) the deploy succeeds
    // on a new, empty pool, every user left behind in the old one. Change them only with a migration plan.
    const { Properties: pool } = template().toJSON().Resources.AuthUserPool8115E87F as { Properties: Record<string, unknown> };
    const fixedAtCreation = ['UsernameAttributes', 'AliasAttributes', 'UsernameConfiguration', 'Schema'] as const;
    expect(Object.fromEntries(fixedAtCreation.map((name) => [name, pool[name]]))).toEqual({
      UsernameAttributes: ['email'],
      AliasAttributes: undefined,
      UsernameConfiguration: { CaseSensitive: false },
      Schema: undefined,
    });
  });

  it('when synthesized, then the API URL is a stack output', () => {
    template().hasOutput('ApiUrl', { Value: Match.anyValue() });
  });

  it('when a rotation function reports an error, then an alarm pages, with or without a CloudTrail trail: one per function the data stack runs', () => {
    const data = synthesized[stage].dataTemplate;
    const schedules = Object.values(resourcesOf(data, 'AWS::SecretsManager::RotationSchedule'));
    expect(schedules).toHaveLength(stage === 'prod' ? 3 : 1);
    const alarms = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).filter((alarm) => alarm.Properties?.MetricName === 'Errors' && alarm.Properties?.Namespace === 'AWS/Lambda');
    expect(alarms).toHaveLength(schedules.length);
    const watched = alarms.map((alarm) => (alarm.Properties?.Dimensions as { Value: string }[])[0]!.Value);
    // Each is the function name a rotation schedule's hosted rotation is given.
    for (const name of watched) expect(JSON.stringify(schedules)).toContain(`"${name}"`);
    for (const alarm of alarms) expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [expect.anything()] });
  });

  it('when SNS cannot deliver an event to a consumer\'s queue, then the alerts topic is paged', () => {
    const alerts = Object.keys(resourcesOf(template(), 'AWS::SNS::Topic')).find((id) => id.startsWith('ObservabilityAlerts'))!;
    const alarms = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).filter((alarm) => alarm.Properties?.MetricName === 'NumberOfNotificationsFailed');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({ AlarmName: `platform-${stage}-app-platform-${stage}-events-delivery-failed`, AlarmActions: [{ Ref: alerts }], OKActions: [{ Ref: alerts }] });
  });

  it('when any secret the data stack rotates fails to rotate, then the rule pages the alerts topic, which admits it', () => {
    const data = synthesized[stage].dataTemplate;
    // What each data stack output the rule reads holds, and what each rotation schedule rotates.
    const outputs = data.toJSON().Outputs as Record<string, { Value: unknown }>;
    const rotated = Object.values(resourcesOf(data, 'AWS::SecretsManager::RotationSchedule')).map((schedule) => schedule.Properties?.SecretId);
    expect(rotated).toHaveLength(stage === 'prod' ? 3 : 1);
    const rules = Object.entries(resourcesOf(template(), 'AWS::Events::Rule'));
    // Dev's other rule forwards the data stack's NAT credit alarm (test/lib/platform.test.ts).
    expect(rules.map(([, rule]) => rule.Properties?.Name).sort()).toEqual([...(stage === 'dev' ? [`platform-${stage}-forwarded-alarms`] : []), `platform-${stage}-secret-rotation-failed`]);
    const [ruleId, rule] = rules.find(([, candidate]) => candidate.Properties?.Name === `platform-${stage}-secret-rotation-failed`)!;
    const pattern = rule.Properties?.EventPattern as { source: string[]; 'detail-type': string[]; detail: { eventName: string[]; additionalEventData: { SecretId: { 'Fn::GetStackOutput': { StackName: string; OutputName: string } }[] } } };
    expect([pattern.source, pattern['detail-type'], pattern.detail.eventName]).toEqual([['aws.secretsmanager'], ['AWS Service Event via CloudTrail'], ['RotationFailed']]);
    const watched = pattern.detail.additionalEventData.SecretId.map(({ 'Fn::GetStackOutput': output }) => {
      expect(output.StackName).toBe(`platform-${stage}-data`);
      return outputs[output.OutputName]?.Value;
    });
    expect(watched).toEqual(expect.arrayContaining(rotated));
    expect(watched).toHaveLength(rotated.length);

    const alerts = Object.keys(resourcesOf(template(), 'AWS::SNS::Topic')).find((id) => id.startsWith('ObservabilityAlerts'))!;
    expect((rule.Properties?.Targets as { Arn: unknown }[]).map((target) => target.Arn)).toEqual([{ Ref: alerts }]);
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: alerts }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } } }),
        ]),
      },
    });
  });

  it('when any of the data stack\'s instances fails over, fails, restarts or runs out of storage, then RDS pages the alerts topic, which admits it', () => {
    const outputs = synthesized[stage].dataTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    const instances = Object.keys(resourcesOf(synthesized[stage].dataTemplate, 'AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(stage === 'prod' ? 3 : 1);
    const subscriptions = Object.values(resourcesOf(template(), 'AWS::RDS::EventSubscription'));
    expect(subscriptions).toHaveLength(1);
    const sources = (subscriptions[0]!.Properties?.SourceIds as { 'Fn::GetStackOutput': { OutputName: string } }[])
      .map(({ 'Fn::GetStackOutput': output }) => outputs[output.OutputName]?.Value);
    expect(sources).toEqual(expect.arrayContaining(instances.map((id) => ({ Ref: id }))));
    expect(sources).toHaveLength(instances.length);
    const alerts = Object.keys(resourcesOf(template(), 'AWS::SNS::Topic')).find((id) => id.startsWith('ObservabilityAlerts'))!;
    expect(subscriptions[0]!.Properties).toMatchObject({ SnsTopicArn: { Ref: alerts }, SourceType: 'db-instance', Enabled: true });
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: alerts }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.rds.amazonaws.com' }, Action: 'sns:Publish' })]) },
    });
  });
});

describe('app stack: stage differences', () => {
  it('when dev, then tasks run on Fargate Spot without Container Insights; when prod, on Fargate with it', () => {
    const { dev, prod } = synthesized;
    dev.appTemplate.allResourcesProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    prod.appTemplate.allResourcesProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    });
    dev.appTemplate.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }],
    });
    prod.appTemplate.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('when dev (Spot: an interruption sends SIGTERM before the ALB takes the task out), then each service waits SPOT_SHUTDOWN_DELAY before closing; when prod, it closes at once (ECS deregisters first)', () => {
    for (const [stage, delay] of [['dev', String(SPOT_SHUTDOWN_DELAY.toSeconds())], ['prod', '0']] as const) {
      const containers = serviceContainers(synthesized[stage].appTemplate);
      expect([...containers.values()].map((container) => envValue(container, 'SHUTDOWN_DELAY_SECONDS')), stage).toEqual([delay, delay, delay]);
      expect([...containers.values()].map((container) => container.StopTimeout), stage).toEqual([120, 120, 120]);
    }
  });

  it('when synthesized, then no task definition references a database master secret, and no task may read one', () => {
    for (const [stage, { appTemplate }] of Object.entries(synthesized)) {
      const tasks = Object.values(resourcesOf(appTemplate, 'AWS::ECS::TaskDefinition'));
      expect(tasks, stage).toHaveLength(3);
      for (const task of tasks) expect(JSON.stringify(task), stage).not.toMatch(/Secret|secretsmanager/i);
      const policies = JSON.stringify(resourcesOf(appTemplate, 'AWS::IAM::Policy'));
      expect(policies, stage).not.toMatch(/secretsmanager:GetSecretValue/);
    }
  });

  it('when synthesized, then each task role may connect as exactly its database\'s app user, and its migration step as exactly the owner, on its own instance, and as no other service\'s', () => {
    const names = ['identity', 'product', 'billing'] as const;
    const capitalized = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
    /** Who holds a grant: a service's task role or its migration function's role. */
    const holders = names.flatMap((name) => [
      { name, role: `${capitalized(name)}TaskTaskRole`, user: `${name}_app` },
      { name, role: `${capitalized(name)}MigrationsFunctionServiceRole`, user: `${name}_service` },
    ]);
    for (const [stage, { appTemplate }] of Object.entries(synthesized)) {
      const grants = Object.values(resourcesOf(appTemplate, 'AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties?.PolicyDocument as { Statement: { Effect: string; Action: unknown; Resource: unknown }[] }).Statement
          .filter((statement) => JSON.stringify(statement.Action).includes('rds-db'))
          .map((statement) => ({ roles: JSON.stringify(policy.Properties?.Roles), statement })),
      );
      for (const { name, role, user } of holders) {
        const own = grants.filter((g) => g.roles.includes(role));
        expect(own.length, `${stage} ${role}`).toBeGreaterThan(0);
        for (const { statement } of own) {
          expect(statement.Effect, `${stage} ${role}`).toBe('Allow');
          expect(statement.Action, `${stage} ${role}`).toBe('rds-db:connect');
        }
        // The instance's DbiResourceId, from the data stack: dev's one shared instance, prod's own per service.
        const instance = stage === 'dev' ? 'SharedDatabaseInstance' : `${capitalized(name)}DatabaseInstance`;
        const users = own.flatMap(({ statement }) => [statement.Resource].flat()).map((resource) => {
          const match = new RegExp(`^\\{"Fn::Join":\\["",\\["arn:aws:rds-db:us-east-1:\\d{12}:dbuser:",\\{"Fn::GetStackOutput":\\{[^}]*"OutputName":"[^"]*${instance}[^"]*DbiResourceId[^"]*"\\}\\},"/([a-z_]+)"\\]\\]\\}$`)
            .exec(JSON.stringify(resource));
          expect(match, `${stage} ${role}: ${JSON.stringify(resource)}`).not.toBeNull();
          return match![1];
        });
        expect(users, `${stage} ${role}`).toEqual([user]);
      }
      // Every rds-db grant belongs to one of those six roles: no other role may connect at all.
      const owners = grants.map((g) => holders.filter(({ role }) => g.roles.includes(role)));
      expect(owners.filter((matched) => matched.length !== 1), stage).toEqual([]);
    }
  });
});
