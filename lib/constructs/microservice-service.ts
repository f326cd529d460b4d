/**
 * The Fargate service of a Microservice (microservice.ts) and the Service Connect names it answers to; made in the
 * Microservice's scope.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { AvailabilityZoneRebalancing, type CfnService, FargateService, type FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import type { INamespace } from 'aws-cdk-lib/aws-servicediscovery';
import type { Construct } from 'constructs';
import type { MicroserviceProps } from './microservice-props';

/** A deploy starts the new tasks beside the old ones: up to twice the count (lib/connection-budget.ts counts on it). */
export const DEPLOY_MAX_HEALTHY_PERCENT = 200;

/** The Service Connect names the service answers to: `http` with a dnsName, `grpc` too with a gRPC port. */
export interface ServiceConnectNames {
  readonly http?: string | undefined;
  readonly grpc?: string | undefined;
}

export function serviceConnectNames(props: MicroserviceProps): ServiceConnectNames {
  const http = props.serviceConnect?.dnsName;
  return { http, grpc: http && props.grpcPort ? `${http}-grpc` : undefined };
}

function serviceConnectConfiguration(props: MicroserviceProps, namespace: INamespace, names: ServiceConnectNames) {
  return {
    namespace: namespace.namespaceArn,
    services: [
      ...(names.http ? [{ portMappingName: 'http', dnsName: names.http, discoveryName: names.http, port: 80 }] : []),
      ...(names.grpc ? [{ portMappingName: 'grpc', dnsName: names.grpc, discoveryName: names.grpc, port: props.grpcPort! }] : []),
    ],
  };
}

/** The Fargate service, deployed only after its migrations and its cluster's capacity providers. */
export function addFargateService(scope: Construct, taskDefinition: FargateTaskDefinition, props: MicroserviceProps, connectNames: ServiceConnectNames): FargateService {
  const service = new FargateService(scope, 'Service', {
    cluster: props.cluster,
    taskDefinition,
    // No desiredCount: CloudFormation would set it on every update (each image deploy), dropping a service that
    // had scaled out back to its minimum mid-deploy. Left out, ECS starts one task and the scalable target below
    // raises the count to minCapacity (microservice-traffic.ts); later deploys keep whatever count autoscaling chose.
    vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    assignPublicIp: false,
    capacityProviderStrategies: [{ capacityProvider: props.spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }],
    // New tasks must pass the ALB health check (schema checked) before old ones stop;
    // a deployment whose tasks never get healthy is rolled back to the last good task definition.
    minHealthyPercent: 100,
    maxHealthyPercent: DEPLOY_MAX_HEALTHY_PERCENT,
    circuitBreaker: { enable: true, rollback: true },
    // After an AZ outage ECS starts the replacements in the AZ that is left; rebalancing spreads them again once it
    // returns, or the next outage of that one AZ takes every task. Set, not left to ECS: an update that names no
    // value keeps the service's own, DISABLED for a service created before ECS made it the default (June 2025).
    availabilityZoneRebalancing: AvailabilityZoneRebalancing.ENABLED,
    healthCheckGracePeriod: props.readyWithin ?? Duration.minutes(3),
    ...(props.serviceConnect ? { serviceConnectConfiguration: serviceConnectConfiguration(props, props.serviceConnect.namespace, connectNames) } : {}),
  });
  // Migrated first: a release's tasks start only on the schema it needs.
  service.node.addDependency(props.migratedBy);
  // On the whole cluster, so also on the capacity provider association that an aspect adds to it at synthesis:
  // nothing else orders the two. CloudFormation could create the service before FARGATE(_SPOT) is associated
  // ("not associated with the cluster"), and a cdk destroy removed the association while the service still ran
  // ("The specified capacity provider is in use and cannot be removed"), leaving the stack DELETE_FAILED.
  // The L1 only: its scaling resources already follow the service.
  (service.node.defaultChild as CfnService).node.addDependency(props.cluster);
  Validations.of(service).acknowledge({
    id: '@aws-cdk/aws-ec2:ipv4IgnoreEgressRule',
    reason: 'Tasks keep open egress (Cognito JWKS, AWS APIs), so the egress half of a peer rule is redundant.',
  });
  return service;
}
