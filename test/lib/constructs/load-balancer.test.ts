import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadBalancer } from '../../../lib/constructs/load-balancer';
import { disposeTestApps, resourcesOf, testStack } from '../synth';
import { network } from './fixtures';

afterEach(disposeTestApps);

function synth(protectData = false): Template {
  const test = testStack();
  new LoadBalancer(test.stack, 'LoadBalancer', { vpc: network(test.stack), accessLogRetentionDays: 14, protectData });
  return Template.fromStack(test.stack);
}

describe('LoadBalancer', () => {
  it('when built, then the ALB is internal, drops invalid headers and logs access to S3', () => {
    const template = synth();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    for (const attribute of [
      { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      { Key: 'access_logs.s3.enabled', Value: 'true' },
      { Key: 'deletion_protection.enabled', Value: 'false' },
    ]) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { LoadBalancerAttributes: Match.arrayWith([attribute]) });
    }
  });

  it('when built, then its security group admits only the VPC link security group, on the listener port', () => {
    const template = synth();
    const groups = resourcesOf(template, 'AWS::EC2::SecurityGroup');
    const albGroup = Object.keys(groups).find((id) => id.startsWith('LoadBalancerSecurityGroup'))!;
    const linkGroup = Object.keys(groups).find((id) => id.startsWith('LoadBalancerVpcLinkSecurityGroup'))!;
    expect(groups[albGroup]?.Properties?.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [albGroup, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [linkGroup, 'GroupId'] },
      FromPort: 80,
      ToPort: 80,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::VpcLink', { SecurityGroupIds: [{ 'Fn::GetAtt': [linkGroup, 'GroupId'] }] });
  });

  it('when no rule matches, then the listener answers a problem+json 404 itself', () => {
    synth().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '404', ContentType: 'application/problem+json', MessageBody: Match.stringLikeRegexp('"status":404') },
        },
      ],
    });
  });

  it('when built, then the log bucket is private, TLS-only, encrypted, expiring and kept', () => {
    const template = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 14, Status: 'Enabled' }] },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    expect(JSON.stringify(resourcesOf(template, 'AWS::S3::BucketPolicy'))).toContain('"aws:SecureTransport":"false"');
  });

  it('when data is protected, then the ALB has deletion protection', () => {
    synth(true).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
  });
});
