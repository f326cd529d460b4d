import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { VpcLink } from 'aws-cdk-lib/aws-apigatewayv2';
import { type IVpc, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import type {
  ApplicationListener} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ListenerAction,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LoadBalancerProps {
  readonly vpc: IVpc;
  /** Days the ALB access logs are kept in S3. */
  readonly accessLogRetentionDays: number;
  /** Turn on ALB deletion protection. */
  readonly protectData: boolean;
}

/** The body of the ALB's own 404, in the same problem+json shape the services and the local gateway answer. */
const NOT_FOUND_PROBLEM = JSON.stringify({
  type: 'about:blank',
  title: 'Not Found',
  status: 404,
  detail: 'No route matches this path.',
});

/**
 * The internal ALB behind the REST API. It is reachable only through the API's VPC link: its security group
 * admits the link's security group on the listener port and nothing else. Requests that match no service rule
 * get a problem+json 404 from the ALB itself.
 */
export class LoadBalancer extends Construct {
  public readonly loadBalancer: ApplicationLoadBalancer;
  public readonly listener: ApplicationListener;
  public readonly vpcLink: VpcLink;
  public readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    if (!Number.isInteger(props.accessLogRetentionDays) || props.accessLogRetentionDays < 1) {
      throw new Error(`LoadBalancer accessLogRetentionDays must be a whole number of days ≥ 1; got ${props.accessLogRetentionDays}`);
    }
    const privateSubnets = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };

    const linkSecurityGroup = new SecurityGroup(this, 'VpcLinkSecurityGroup', {
      vpc: props.vpc,
      description: 'API Gateway VPC link: may only reach the internal ALB listener',
      allowAllOutbound: false,
    });
    const albSecurityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Internal ALB: admits the API Gateway VPC link only',
      // Egress to each service's tasks is added when its target group is attached.
      allowAllOutbound: false,
    });

    this.loadBalancer = new ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: false,
      vpcSubnets: privateSubnets,
      securityGroup: albSecurityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: props.protectData,
      idleTimeout: Duration.seconds(60),
    });

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      // ALB log delivery supports SSE-S3 only.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays) }],
      // Kept on stack deletion in every stage: a non-empty bucket cannot be deleted by CloudFormation, and
      // emptying it would need a custom-resource Lambda. The lifecycle rule empties it within the retention.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket only receives ALB access logs; logging access to it would need yet another log bucket with the same finding.',
    });
    this.loadBalancer.logAccessLogs(this.accessLogs, 'alb');

    this.listener = this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: ApplicationProtocol.HTTP,
      // No 0.0.0.0/0 rule: the only way in is the VPC link's security group, below.
      open: false,
      defaultAction: ListenerAction.fixedResponse(404, {
        contentType: 'application/problem+json',
        messageBody: NOT_FOUND_PROBLEM,
      }),
    });
    linkSecurityGroup.connections.allowTo(albSecurityGroup, Port.tcp(80), 'VPC link to the ALB listener');

    this.vpcLink = new VpcLink(this, 'VpcLink', {
      vpc: props.vpc,
      subnets: privateSubnets,
      securityGroups: [linkSecurityGroup],
    });
  }
}
