import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { type LogRemoval, logRemovalPolicy } from '../../../lib/constructs/log-removal';

describe('logRemovalPolicy', () => {
  it('when a stage keeps its logs, then the groups are retained; when it does not, or says nothing, they are destroyed', () => {
    expect(logRemovalPolicy('Api logRemoval', 'retain')).toBe(RemovalPolicy.RETAIN);
    expect(logRemovalPolicy('Api logRemoval', 'destroy')).toBe(RemovalPolicy.DESTROY);
    expect(logRemovalPolicy('Api logRemoval')).toBe(RemovalPolicy.DESTROY);
  });

  it('when given anything else (a snapshot, an inherited name), then it refuses, naming the setting and what it got', () => {
    expect(() => logRemovalPolicy('Api logRemoval', 'snapshot' as LogRemoval)).toThrow('Api logRemoval must be "retain" or "destroy"; got "snapshot"');
    expect(() => logRemovalPolicy('Network logRemoval', 'toString' as LogRemoval)).toThrow(/got "toString"/);
  });
});
