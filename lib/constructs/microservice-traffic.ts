/**
 * How requests reach a service's tasks and how its task count follows them (microservice.ts): the ALB listener
 * rules for its path patterns, and target tracking on CPU and on requests per task.
 */
import { Duration } from 'aws-cdk-lib';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import { type ApplicationTargetGroup, type IApplicationListener, ListenerCondition } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { MicroserviceScaling } from './microservice';

/** The ALB allows at most five values in one rule's conditions. */
const PATTERNS_PER_RULE = 5;

/** Rules `<id>Rule0`, `<id>Rule1`, … of five patterns each, at priorities counting up from `firstPriority`. */
export function addPathRules(
  listener: IApplicationListener,
  id: string,
  rules: { readonly pathPatterns: readonly string[]; readonly firstPriority: number; readonly targetGroup: ApplicationTargetGroup },
): void {
  const { pathPatterns, firstPriority, targetGroup } = rules;
  for (let start = 0; start < pathPatterns.length; start += PATTERNS_PER_RULE) {
    listener.addTargetGroups(`${id}Rule${start / PATTERNS_PER_RULE}`, {
      priority: firstPriority + start / PATTERNS_PER_RULE,
      conditions: [ListenerCondition.pathPatterns([...pathPatterns.slice(start, start + PATTERNS_PER_RULE)])],
      targetGroups: [targetGroup],
    });
  }
}

/** Target tracking on both: out after 60 s, in only after 180 s, so a short lull does not shed the tasks a returning load needs. */
export function scaleOnCpuAndRequests(
  service: FargateService,
  targetGroup: ApplicationTargetGroup,
  scaling: Pick<MicroserviceScaling, 'minCapacity' | 'maxCapacity' | 'cpuTargetPercent' | 'requestsPerTarget'>,
): void {
  const count = service.autoScaleTaskCount({ minCapacity: scaling.minCapacity, maxCapacity: scaling.maxCapacity });
  count.scaleOnCpuUtilization('Cpu', {
    targetUtilizationPercent: scaling.cpuTargetPercent,
    scaleOutCooldown: Duration.seconds(60),
    scaleInCooldown: Duration.seconds(180),
  });
  count.scaleOnRequestCount('Requests', {
    requestsPerTarget: scaling.requestsPerTarget,
    targetGroup,
    scaleOutCooldown: Duration.seconds(60),
    scaleInCooldown: Duration.seconds(180),
  });
}
