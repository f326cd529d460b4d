/**
 * The whole platform for one stage: the stateful data stack and the stateless app stack that depends on it.
 * bin/app.ts, the tests, the cost script and the synth benchmark all build it through here.
 */
import type { App, Environment } from 'aws-cdk-lib';
import { AppStack, type AppStackProps } from './app-stack';
import { DataStack } from './data-stack';
import type { StageSettings } from './stages';

export interface PlatformOptions {
  readonly stage: StageSettings;
  readonly env: Environment;
  /** Replace service images (tests use registry images to skip hashing the build context). */
  readonly images?: AppStackProps['images'];
}

export interface Platform {
  readonly data: DataStack;
  readonly app: AppStack;
}

export function createPlatform(scope: App, options: PlatformOptions): Platform {
  const { stage, env } = options;
  const tags = { project: 'microservices-platform', stage: stage.name };
  const data = new DataStack(scope, `platform-${stage.name}-data`, {
    stage,
    env,
    description: `Network and databases of the ${stage.name} platform (stateful)`,
    terminationProtection: stage.protectData,
    tags,
  });
  const app = new AppStack(scope, `platform-${stage.name}-app`, {
    stage,
    env,
    vpc: data.vpc,
    databases: data.databases,
    rotatedSecrets: data.instances.map((instance) => instance.secret),
    rotationFunctions: data.instances.map((instance) => instance.rotationFunction),
    // Names, not references: the NAT instance's id changes with each new image (NatCreditAlarm).
    forwardedAlarmNames: data.natCreditAlarmNames,
    ...(options.images ? { images: options.images } : {}),
    description: `Auth, event bus, services and API of the ${stage.name} platform (stateless)`,
    // It holds the user pool (retained, but a destroy orphans it and a redeploy makes a new, empty one), its
    // groups and memberships, and the ALB with deletion protection (a destroy would stop half-way on it).
    terminationProtection: stage.protectData,
    tags,
  });
  app.addStackDependency(data);
  return { data, app };
}
