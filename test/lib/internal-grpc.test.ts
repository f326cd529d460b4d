/**
 * Product's internal gRPC API in AWS (services/contracts INTERNAL_GRPC): exposed through Service Connect with
 * the grpc app protocol (HTTP/2 end to end), reachable from Billing's tasks only, and unknown to the ALB, which
 * keeps the public REST routes alone.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { INTERNAL_GRPC } from '../../services/contracts/services';
import { resourcesOf } from './synth';
import { stageTemplates } from './stage-templates';

const synthesized = await stageTemplates();
const GRPC_PORT = INTERNAL_GRPC.product.port;

type Container = { Name: string; PortMappings?: Array<{ ContainerPort: number; Name?: string; AppProtocol?: string }>; Environment?: Array<{ Name: string; Value: unknown }> };

function container(template: Template, name: string): Container {
  for (const task of Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'))) {
    const found = (task.Properties?.ContainerDefinitions as Container[]).find((c) => c.Name === name);
    if (found) return found;
  }
  throw new Error(`no task definition runs ${name}`);
}

const envOf = (c: Container, name: string) => c.Environment?.find((e) => e.Name === name)?.Value;
/** The logical id of a service's security group, from a `Fn::GetAtt` to it. */
const groupOf = (ref: unknown) => (ref as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0] ?? '';

describe.each(['dev', 'prod'] as const)('Product\'s internal gRPC API in AWS (%s)', (stage) => {
  const template = () => synthesized[stage].appTemplate;

  it('when synthesized, then Product\'s task maps the gRPC port with the grpc app protocol and is told its number', () => {
    const product = container(template(), 'product');
    expect(product.PortMappings).toEqual(expect.arrayContaining([expect.objectContaining({ ContainerPort: GRPC_PORT, Name: 'grpc', AppProtocol: 'grpc' })]));
    expect(envOf(product, 'PRODUCT_GRPC_PORT')).toBe(String(GRPC_PORT));
    for (const other of ['identity', 'billing']) expect(container(template(), other).PortMappings?.map((m) => m.ContainerPort)).toEqual([3000]);
  });

  it('when synthesized, then Service Connect publishes it as product-grpc and Billing is given that URL', () => {
    template().hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: {
        Enabled: true,
        Services: Match.arrayWith([{ PortName: 'grpc', DiscoveryName: 'product-grpc', ClientAliases: [{ DnsName: 'product-grpc', Port: GRPC_PORT }] }]),
      },
    });
    expect(envOf(container(template(), 'billing'), 'PRODUCT_GRPC_URL')).toBe(`http://product-grpc:${GRPC_PORT}`);
    expect(envOf(container(template(), 'billing'), 'PRODUCT_SERVICE_URL')).toBe('http://product');
  });

  it('when synthesized, then only Billing\'s tasks may open the gRPC port, and only on Product\'s tasks', () => {
    const ingress = [
      ...Object.values(resourcesOf(template(), 'AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties ?? {}),
      ...Object.values(resourcesOf(template(), 'AWS::EC2::SecurityGroup')).flatMap((g) => (g.Properties?.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []),
    ];
    const toGrpc = ingress.filter((rule) => (rule.FromPort as number) <= GRPC_PORT && (rule.ToPort as number) >= GRPC_PORT);
    expect(toGrpc).toHaveLength(1);
    expect(groupOf(toGrpc[0]!.SourceSecurityGroupId)).toMatch(/^BillingServiceSecurityGroup/);
    expect(groupOf(toGrpc[0]!.GroupId)).toMatch(/^ProductServiceSecurityGroup/);
    expect(toGrpc[0]!.CidrIp).toBeUndefined();
  });

  it('when synthesized, then the ALB forwards to no gRPC port: every target group is a service\'s REST port', () => {
    const groups = Object.values(resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::TargetGroup'));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect({ port: group.Properties?.Port, protocol: group.Properties?.Protocol }).toEqual({ port: 3000, protocol: 'HTTP' });
    const egress = Object.values(resourcesOf(template(), 'AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties ?? {});
    expect(egress.filter((rule) => (rule.FromPort as number) <= GRPC_PORT && (rule.ToPort as number) >= GRPC_PORT && groupOf(rule.GroupId).startsWith('LoadBalancer'))).toEqual([]);
  });
});
