/**
 * The one container of a service's task (microservice.ts): its image and log stream, the settings every service
 * reads (where it listens, region, user pool, database) beside the caller's, its HTTP and optional gRPC ports, a
 * read-only root with a writable /tmp, and the liveness check.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AppProtocol, type ContainerDefinition, type FargateTaskDefinition, LogDrivers } from 'aws-cdk-lib/aws-ecs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { HEALTH_PATHS } from '../../services/contracts/services';
import { DEFAULT_HANDLER_TIMEOUT_SECONDS, DEFAULT_SHUTDOWN_TIMEOUT_MS, FARGATE_MAX_STOP_TIMEOUT_SECONDS } from '../../services/contracts/shutdown';
import type { MicroserviceProps } from './microservice';
import { databaseEnvironment } from './microservice-database';

/** Every service listens on this port inside its task; the ALB and Service Connect reach it there. */
export const CONTAINER_PORT = 3000;

/**
 * Between SIGTERM and SIGKILL a task waits out its pre-stop delay, drains its requests, then stops its consumer,
 * which waits for its running handlers. ECS's default of 30 s cut that short (a handler past it was killed and its
 * event redelivered later); their sum is longer than Fargate allows, so the most it allows: 120 s, which is also
 * all the notice a Spot interruption gives.
 */
export function stopTimeoutFor(shutdownDelaySeconds: number): Duration {
  const needed = shutdownDelaySeconds + DEFAULT_SHUTDOWN_TIMEOUT_MS / 1_000 + DEFAULT_HANDLER_TIMEOUT_SECONDS;
  return Duration.seconds(Math.min(FARGATE_MAX_STOP_TIMEOUT_SECONDS, needed));
}

export interface AppContainerOptions extends Pick<MicroserviceProps, 'image' | 'database' | 'cognito' | 'environment' | 'grpcPort' | 'shutdownDelay'> {
  readonly name: string;
  readonly logGroup: ILogGroup;
}

/** Added as `App`, the id it has always had, so an update changes the task definition in place. */
export function addAppContainer(taskDefinition: FargateTaskDefinition, options: AppContainerOptions): ContainerDefinition {
  const { name } = options;
  const shutdownDelaySeconds = options.shutdownDelay?.toSeconds() ?? 0;
  taskDefinition.addVolume({ name: 'tmp' });
  const container = taskDefinition.addContainer('App', {
    containerName: name,
    image: options.image,
    logging: LogDrivers.awsLogs({ logGroup: options.logGroup, streamPrefix: name }),
    environment: {
      PORT: String(CONTAINER_PORT),
      HOST: '0.0.0.0',
      AWS_REGION: Stack.of(taskDefinition).region,
      COGNITO_USER_POOL_ID: options.cognito.userPool.userPoolId,
      COGNITO_CLIENT_ID: options.cognito.client.userPoolClientId,
      ...databaseEnvironment(options.database),
      ...options.environment,
      // Set even when 0, as offline (services/local/service-env.ts): both name the same variables (test/lib/service-env.test.ts).
      SHUTDOWN_DELAY_SECONDS: String(shutdownDelaySeconds),
    },
    stopTimeout: stopTimeoutFor(shutdownDelaySeconds),
    portMappings: [
      { containerPort: CONTAINER_PORT, name: 'http', appProtocol: AppProtocol.http },
      ...(options.grpcPort ? [{ containerPort: options.grpcPort, name: 'grpc', appProtocol: AppProtocol.grpc }] : []),
    ],
    readonlyRootFilesystem: true,
    healthCheck: {
      command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${CONTAINER_PORT}${HEALTH_PATHS.live}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
      interval: Duration.seconds(10),
      timeout: Duration.seconds(5),
      retries: 3,
      startPeriod: Duration.seconds(60),
    },
  });
  Validations.of(taskDefinition).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason: 'The environment holds only non-secret settings (ports, ids, URLs); the database login is an IAM token made at run time, and the constructor refuses secret-looking names.',
  });
  container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
  return container;
}
