/** Small shared pieces for construct tests: a VPC, an imported database and an imported user pool. */
import type { Stack } from 'aws-cdk-lib';
import { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { type IVpc, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DatabaseInstance, DatabaseInstanceEngine, PostgresEngineVersion } from 'aws-cdk-lib/aws-rds';
import type { DatabaseConnection } from '../../../lib/constructs/database';
import { Network } from '../../../lib/constructs/network';

export function network(stack: Stack) {
  return new Network(stack, 'Network', {
    cidr: '10.0.0.0/16',
    nat: 'gateway-per-az',
    flowLogTraffic: 'REJECT',
    logRetention: RetentionDays.ONE_DAY,
  }).vpc;
}

export function importedDatabase(stack: Stack, vpc: IVpc): DatabaseConnection {
  return {
    instance: DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'db',
      instanceResourceId: 'db-ABCDEFGHIJKLMNOP',
      instanceEndpointAddress: 'db.example.internal',
      port: 5433,
      securityGroups: [new SecurityGroup(stack, 'DbSecurityGroup', { vpc })],
      engine: DatabaseInstanceEngine.postgres({ version: PostgresEngineVersion.VER_16 }),
    }),
    databaseName: 'product',
    user: 'product_service',
    appUser: 'product_app',
  };
}

export function importedCognito(stack: Stack) {
  return {
    userPool: UserPool.fromUserPoolId(stack, 'Pool', 'us-east-1_AbCdEf123'),
    client: UserPoolClient.fromUserPoolClientId(stack, 'Client', 'client123'),
  };
}
