/**
 * The app stack's observability (app-stack.ts): the dashboard and alarms over everything the stack made before,
 * and the stack's outputs.
 */
import { CfnOutput } from 'aws-cdk-lib';
import { instanceMemoryBytes, maxConnections } from './connection-budget';
import type { AppStack, AppStackProps } from './app-stack';
import { Observability } from './constructs/observability';

/** Dashboard and alarms over the API, the services, their databases, the bus and the firewall, in the stack's scope. */
export function addObservability(stack: AppStack, props: AppStackProps, prefix: string): Observability {
  const { stage } = props;
  // Every instance of a stage is of one class and created with one size.
  const databaseLimits = {
    maxConnections: maxConnections(stage.database.instanceType),
    memoryBytes: instanceMemoryBytes(stage.database.instanceType),
    allocatedStorageBytes: stage.database.allocatedStorageGiB * 2 ** 30,
    // db.t* classes burst, and RDS runs them Unlimited: CPU above their baseline is billed (Observability).
    burstable: stage.database.instanceType.startsWith('t'),
  };
  return new Observability(stack, 'Observability', {
    name: prefix,
    api: stack.api.restApi,
    services: Object.entries(stack.services).map(([name, svc]) => ({ name, service: svc.service, targetGroup: svc.targetGroup, minCapacity: stage.service.minCapacity })),
    databases: [...new Set(Object.values(props.databases).map((db) => db.instance))].map((instance) => ({ instance, ...databaseLimits })),
    deadLetterQueues: Object.entries(stack.bus.consumers).map(([name, c]) => ({ name, queue: c.deadLetterQueue })),
    alarms: [
      ...Object.values(stack.bus.consumers).flatMap((c) => [c.deadLetterAlarm, c.deadLetterExpiryAlarm, c.backlogAlarm]),
      stack.bus.deliveryFailureAlarm,
      ...Object.values(stack.services).map((svc) => svc.serverErrorAlarm),
      ...Object.values(stack.outboxBacklogAlarms),
      ...Object.values(stack.outboxFailedAlarms),
    ],
    ...(stack.webAcl ? { firewallBlocks: firewallBlocks(stack) } : {}),
    rotatedSecrets: props.rotatedSecrets,
    rotationFunctions: props.rotationFunctions,
    ...(props.forwardedAlarmNames ? { forwardedAlarmNames: props.forwardedAlarmNames } : {}),
    ...(stage.alarmEmail ? { alarmEmail: stage.alarmEmail } : {}),
    warnWithoutSubscriber: stage.protectData,
  });
}

/** What the firewalls block: the API's web ACL in total and per rule, then the user pool's. */
function firewallBlocks(stack: AppStack) {
  const api = ['ALL', ...stack.webAcl!.ruleNames].map((rule) => stack.webAcl!.metricBlockedRequests(rule));
  const pool = stack.userPoolWebAcl;
  return [...api, ...(pool ? pool.ruleNames.map((rule) => pool.metricBlockedRequests(rule)) : [])];
}

/** What an operator needs after a deploy: the API's URL, the user pool, the alerts topic and the dashboard. */
export function addOutputs(stack: AppStack): void {
  new CfnOutput(stack, 'ApiUrl', { value: stack.api.url, description: 'Base URL of the REST API stage, ending in /api/ (npm run smoke -- --url <this>)' });
  new CfnOutput(stack, 'UserPoolId', { value: stack.auth.userPool.userPoolId });
  new CfnOutput(stack, 'UserPoolClientId', { value: stack.auth.client.userPoolClientId });
  new CfnOutput(stack, 'AlertsTopicArn', { value: stack.observability.alertsTopic.topicArn });
  new CfnOutput(stack, 'DashboardName', { value: stack.observability.dashboard.dashboardName });
}
