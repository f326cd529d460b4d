/**
 * How a service task reaches its database: libpq variables in the environment (node-postgres reads them
 * natively), credentials as ECS secrets, and, on a shared instance, a one-shot container that creates the
 * service's database before the service starts.
 */
import {
  ContainerDependencyCondition,
  type ContainerDefinition,
  ContainerImage,
  type FargateTaskDefinition,
  LogDrivers,
  Secret,
} from 'aws-cdk-lib/aws-ecs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { DatabaseConnection } from './database';

/** The official image from ECR Public: pulled from inside AWS without Docker Hub's rate limits. */
const PSQL_IMAGE = 'public.ecr.aws/docker/library/postgres:16-alpine';

/**
 * Creates `$TARGET_DB` unless it exists. If two tasks race, the loser's CREATE fails and the final check sees
 * the winner's database, so both exit 0.
 */
const CREATE_DATABASE_SCRIPT = [
  'exists() { psql -tAc "SELECT 1 FROM pg_database WHERE datname = \'$TARGET_DB\'" | grep -q 1; }',
  'exists || psql -v ON_ERROR_STOP=1 -c "CREATE DATABASE \\"$TARGET_DB\\"" || exists',
].join('\n');

export function databaseEnvironment(database: DatabaseConnection): Record<string, string> {
  return {
    PGHOST: database.instance.dbInstanceEndpointAddress,
    PGPORT: database.instance.dbInstanceEndpointPort,
    PGDATABASE: database.databaseName,
    // The image trusts the RDS CA bundle (NODE_EXTRA_CA_CERTS), so the certificate and host name are checked.
    PGSSLMODE: 'verify-full',
  };
}

export function databaseSecrets(database: DatabaseConnection): Record<string, Secret> {
  return {
    PGUSER: Secret.fromSecretsManager(database.secret, 'username'),
    PGPASSWORD: Secret.fromSecretsManager(database.secret, 'password'),
  };
}

/** Adds the database-creating container and makes the service container wait for its success. */
export function addDatabaseCreator(
  taskDefinition: FargateTaskDefinition,
  service: ContainerDefinition,
  database: DatabaseConnection,
  logGroup: ILogGroup,
): void {
  const creator = taskDefinition.addContainer('CreateDatabase', {
    containerName: 'create-database',
    image: ContainerImage.fromRegistry(PSQL_IMAGE),
    essential: false,
    command: ['sh', '-c', CREATE_DATABASE_SCRIPT],
    environment: {
      PGHOST: database.instance.dbInstanceEndpointAddress,
      PGPORT: database.instance.dbInstanceEndpointPort,
      PGDATABASE: 'postgres',
      // The image has no RDS CA bundle: the connection is encrypted but the certificate is not verified.
      PGSSLMODE: 'require',
      PGCONNECT_TIMEOUT: '10',
      TARGET_DB: database.databaseName,
    },
    secrets: databaseSecrets(database),
    logging: LogDrivers.awsLogs({ logGroup, streamPrefix: 'create-database' }),
    readonlyRootFilesystem: true,
  });
  service.addContainerDependencies({ container: creator, condition: ContainerDependencyCondition.SUCCESS });
}
