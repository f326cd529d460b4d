/**
 * What a stack deletion, or a replacement of the group, does to a CloudWatch log group: the stage chooses
 * (`logRemoval` in lib/stages.ts) and each construct applies it to the groups it creates.
 *
 * Only for groups whose name is generated, or made from an id that is new on every creation (WAF's): a group with a
 * fixed name that outlives its stack makes the stage's next deploy fail ("already exists"). Groups whose name AWS
 * fixes (an RDS instance's, the hosted rotation function's) are therefore removed with their stack in every stage.
 */
import { RemovalPolicy } from 'aws-cdk-lib';

/** `retain`: kept after a `cdk destroy`, for audit and forensics. `destroy`: removed with the stack. */
export type LogRemoval = 'retain' | 'destroy';

const POLICIES: Readonly<Record<LogRemoval, RemovalPolicy>> = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY };

/** The removal policy for `removal` (unset: `destroy`); `owner` names the setting in the error, e.g. `Api logRemoval`. */
export function logRemovalPolicy(owner: string, removal: LogRemoval = 'destroy'): RemovalPolicy {
  // hasOwn, so that "toString" and friends are not settings.
  if (!Object.hasOwn(POLICIES, removal)) throw new Error(`${owner} must be "retain" or "destroy"; got "${String(removal)}"`);
  return POLICIES[removal];
}
