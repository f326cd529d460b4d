/**
 * One metric as a CloudWatch Embedded Metric Format (EMF) line: a JSON object whose `_aws` member tells CloudWatch
 * Logs to extract the named root members as a metric. The task's log driver (awslogs) sends stdout to CloudWatch
 * Logs, which detects EMF lines by themselves: no SDK call, no agent, no dependency.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

export interface EmfValue {
  readonly name: string;
  /** A CloudWatch unit: `Seconds`, `Count`, … */
  readonly unit: string;
  readonly value: number;
}

export interface EmfMetrics {
  readonly namespace: string;
  /** One or more metrics measured together: one line, one timestamp, the same dimensions. */
  readonly metrics: readonly [EmfValue, ...EmfValue[]];
  /** Dimension name → value; each becomes a root member the directive names. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Other root members, for whoever reads the line as a log line (`msg`, `service`). */
  readonly fields?: Readonly<Record<string, string>>;
}

/** The line, newline included; `now` is the metrics' timestamp in ms since the epoch. */
export function emfLine(line: EmfMetrics, now = Date.now()): string {
  return `${JSON.stringify({
    ...line.fields,
    ...line.dimensions,
    ...Object.fromEntries(line.metrics.map((metric) => [metric.name, metric.value])),
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: line.namespace,
          Dimensions: [Object.keys(line.dimensions)],
          Metrics: line.metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
        },
      ],
    },
  })}\n`;
}

/**
 * Straight to stdout, not through the logger (pino): its lines would be valid EMF (a top-level object; pino only adds
 * `level`, `time`, `service` and `msg` beside `_aws`), but the logger drops lines below the stage's LOG_LEVEL, which
 * may be `warn` (lib/stages.ts). A measurement logged at info would then vanish, and its alarm, which counts a
 * silent minute as breaching, would fire for nothing; logged at warn it would claim a problem every minute.
 * The line is a few hundred bytes, below PIPE_BUF, so it never interleaves with the logger's writes.
 */
export function writeToStdout(line: string): void {
  process.stdout.write(line);
}
