/**
 * Security and operations posture, checked on every synthesized template of both stages: properties that must
 * hold whatever construct created the resource.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { refusedSecurityGroupText, resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();

/** Names and values that would be a secret in plain text. */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY/i;
const SECRET_VALUE = /resolve:secretsmanager|resolve:ssm-secure|postgres(ql)?:\/\/[^/\s]*:[^@\s]*@|AKIA[0-9A-Z]{16}/;

interface Container {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  LogConfiguration?: { LogDriver: string; Options: Record<string, unknown> };
}

function containers(template: Template): Container[] {
  return Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition')).flatMap(
    (task) => task.Properties?.ContainerDefinitions as Container[],
  );
}

describe.each(['dev', 'prod'] as const)('posture (%s)', (stage) => {
  const templates = () => [synthesized[stage].dataTemplate, synthesized[stage].appTemplate];
  const app = () => synthesized[stage].appTemplate;
  const data = () => synthesized[stage].dataTemplate;

  it('when synthesized, then every security group and rule description uses only the characters EC2 accepts', () => {
    expect(templates().flatMap(refusedSecurityGroupText)).toEqual([]);
  });

  it('when synthesized, then the ALB is internal and admits only the VPC link security group', () => {
    app().allResourcesProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    const albGroupId = Object.keys(resourcesOf(app(), 'AWS::EC2::SecurityGroup')).find((id) =>
      id.startsWith('LoadBalancerSecurityGroup'),
    );
    const inline = resourcesOf(app(), 'AWS::EC2::SecurityGroup')[albGroupId!]?.Properties?.SecurityGroupIngress;
    expect(inline ?? []).toEqual([]);
    const ingress = Object.values(resourcesOf(app(), 'AWS::EC2::SecurityGroupIngress')).filter(
      (rule) => JSON.stringify(rule.Properties?.GroupId).includes(albGroupId!),
    );
    expect(ingress).toHaveLength(1);
    expect(JSON.stringify(ingress[0]?.Properties?.SourceSecurityGroupId)).toContain('LoadBalancerVpcLinkSecurityGroup');
  });

  it('when synthesized, then no database is public and all sit in the isolated subnets', () => {
    for (const instance of Object.values(resourcesOf(data(), 'AWS::RDS::DBInstance'))) {
      expect(instance.Properties?.PubliclyAccessible).toBe(false);
    }
    for (const group of Object.values(resourcesOf(data(), 'AWS::RDS::DBSubnetGroup'))) {
      expect(JSON.stringify(group.Properties?.SubnetIds)).not.toMatch(/Public|PrivateSubnet/);
    }
  });

  it('when synthesized, then no container environment holds a secret, and no container gets a database password at all (IAM tokens)', () => {
    for (const container of containers(app())) {
      for (const variable of container.Environment ?? []) {
        expect(variable.Name, `${container.Name} ${variable.Name}`).not.toMatch(SECRET_NAME);
        expect(JSON.stringify(variable.Value), `${container.Name} ${variable.Name}`).not.toMatch(SECRET_VALUE);
      }
      expect(container.Secrets ?? [], container.Name).toEqual([]);
      expect(container.Environment?.find((variable) => variable.Name === 'DATABASE_IAM_AUTH')?.Value, container.Name).toBe('true');
    }
  });

  it('when synthesized, then every ECS service has a circuit breaker that rolls back', () => {
    const services = Object.values(resourcesOf(app(), 'AWS::ECS::Service'));
    expect(services).toHaveLength(3);
    for (const service of services) {
      expect(service.Properties?.DeploymentConfiguration).toMatchObject({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      });
    }
  });

  it('when synthesized, then every queue has a dead-letter queue or is one', () => {
    const queues = resourcesOf(app(), 'AWS::SQS::Queue');
    const deadLetterTargets = new Set(
      Object.values(queues).flatMap((q) => {
        const redrive = q.Properties?.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string] } } | undefined;
        return redrive?.deadLetterTargetArn ? [redrive.deadLetterTargetArn['Fn::GetAtt'][0]] : [];
      }),
    );
    for (const [id, queue] of Object.entries(queues)) {
      expect(Boolean(queue.Properties?.RedrivePolicy) || deadLetterTargets.has(id), id).toBe(true);
    }
  });

  it('when synthesized, then every queue and topic is encrypted and refuses requests without TLS', () => {
    for (const queue of Object.values(resourcesOf(app(), 'AWS::SQS::Queue'))) {
      expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
    }
    const insecureDenied = (policy: unknown) =>
      JSON.stringify(policy).includes('"aws:SecureTransport":"false"') && JSON.stringify(policy).includes('"Deny"');
    const policies = [
      ...Object.values(resourcesOf(app(), 'AWS::SQS::QueuePolicy')),
      ...Object.values(resourcesOf(app(), 'AWS::SNS::TopicPolicy')),
    ];
    expect(policies.length).toBeGreaterThanOrEqual(5);
    for (const policy of policies) expect(insecureDenied(policy.Properties?.PolicyDocument)).toBe(true);
  });

  it('when synthesized, then every log group has a retention and every container logs to one of them', () => {
    const groups = templates().flatMap((t) => Object.entries(resourcesOf(t, 'AWS::Logs::LogGroup')));
    for (const [id, group] of groups) expect(group.Properties?.RetentionInDays, id).toBeGreaterThan(0);
    const appGroups = Object.keys(resourcesOf(app(), 'AWS::Logs::LogGroup'));
    for (const container of containers(app())) {
      expect(container.LogConfiguration?.LogDriver).toBe('awslogs');
      expect(appGroups).toContain((container.LogConfiguration?.Options['awslogs-group'] as { Ref: string }).Ref);
    }
  });

  it('when synthesized, then every Lambda function logs into a log group of its stack (with its retention), not one Lambda would make without any', () => {
    let functions = 0;
    for (const template of templates()) {
      const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
      const named = (name: unknown) => Object.values(groups).some((group) => JSON.stringify(group.Properties?.LogGroupName) === JSON.stringify(name));
      for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
        functions += 1;
        const target = (fn.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
        const fixedName = fn.Properties?.FunctionName;
        const ownGroup = (target !== undefined && target in groups) || (fixedName !== undefined && named({ 'Fn::Join': ['', ['/aws/lambda/', fixedName]] })) || (typeof fixedName === 'string' && named(`/aws/lambda/${fixedName}`));
        expect(ownGroup, `${id} (${String(fn.Properties?.Description ?? fixedName ?? '')})`).toBe(true);
      }
    }
    expect(functions).toBeGreaterThan(2);
  });

  it('when synthesized, then target groups gate on finished migrations (not on the database) every 5 s × 2 and drain within 30 s', () => {
    for (const group of Object.values(resourcesOf(app(), 'AWS::ElasticLoadBalancingV2::TargetGroup'))) {
      expect(group.Properties).toMatchObject({
        HealthCheckPath: '/health/started',
        HealthCheckIntervalSeconds: 5,
        HealthyThresholdCount: 2,
      });
      const attributes = group.Properties?.TargetGroupAttributes as { Key: string; Value: string }[];
      const delay = Number(attributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value);
      expect(delay).toBeLessThanOrEqual(30);
    }
  });
});
