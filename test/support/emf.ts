/**
 * Reads a CloudWatch Embedded Metric Format line as CloudWatch Logs would, and fails on anything the specification
 * forbids: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * (the whole log event one JSON object; `_aws` with a millisecond Timestamp and CloudWatchMetrics directives; every
 * dimension a string member at the root, every metric a number member there; at most 30 dimensions a set).
 */
import { z } from 'zod';

const UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits',
  'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second',
  'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second',
  'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
] as const;

const metadata = z.strictObject({
  Timestamp: z.number().int().positive(),
  CloudWatchMetrics: z
    .array(
      z.strictObject({
        Namespace: z.string().min(1),
        Dimensions: z.array(z.array(z.string().min(1)).max(30)),
        Metrics: z.array(z.strictObject({ Name: z.string().min(1), Unit: z.enum(UNITS).optional(), StorageResolution: z.literal([1, 60]).optional() })).min(1),
      }),
    )
    .min(1),
});

export interface EmfMetricRead {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  readonly value: number;
  /** Each dimension set's names with the values the root gives them. */
  readonly dimensions: readonly Readonly<Record<string, string>>[];
  readonly timestamp: number;
}

/** The metrics one line carries; throws naming the first breach of the specification. */
export function readEmf(line: string): EmfMetricRead[] {
  if (!line.endsWith('\n') || line.slice(0, -1).includes('\n')) throw new Error(`an EMF log event is one line: ${JSON.stringify(line)}`);
  const root: unknown = JSON.parse(line);
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new Error('the root of an EMF document must be an object');
  const members = root as Record<string, unknown>;
  const aws = metadata.parse(members._aws);
  return aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.map((metric) => {
      const value = members[metric.Name];
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`metric ${metric.Name} must be a number at the root; got ${JSON.stringify(value)}`);
      const dimensions = directive.Dimensions.map((set) =>
        Object.fromEntries(
          set.map((name) => {
            const dimension = members[name];
            if (typeof dimension !== 'string') throw new Error(`dimension ${name} must be a string at the root; got ${JSON.stringify(dimension)}`);
            return [name, dimension];
          }),
        ),
      );
      return { namespace: directive.Namespace, name: metric.Name, unit: metric.Unit, value, dimensions, timestamp: aws.Timestamp };
    }),
  );
}
