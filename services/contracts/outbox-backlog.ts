/**
 * The outbox backlog metric, as the services report it and the CDK app alarms on it. Each producing service's bus
 * (services/kit/bus/service-bus.ts) reports the age of its oldest unsent outbox row as a CloudWatch Embedded Metric
 * Format line on stdout, which CloudWatch Logs turns into this metric; each producer's alarm
 * (lib/constructs/outbox-backlog-alarm.ts) reads it under the same names. A name changed on one side only would
 * leave the alarm on a metric nobody reports, so both sides read them from here.
 */
export const OUTBOX_BACKLOG_METRIC = {
  namespace: 'Platform/Outbox',
  /** Seconds since the oldest row still unsent was written; 0 when every row is sent. */
  name: 'OldestUnsentAge',
  unit: 'Seconds',
  dimensions: {
    /** The service's name, as in SERVICES. */
    service: 'Service',
    /**
     * Its BUS_PREFIX (`platform-<stage>` in AWS): stages may share an account (docs/events.md), and one stage's stuck
     * outbox must not fire, nor hide behind, another stage's alarm.
     */
    busPrefix: 'BusPrefix',
  },
  /**
   * How often each task reports, 0 included: twice per alarm period of a minute, so a report that comes late (the
   * query's time, timers) never leaves a minute empty, and a silent minute means no report.
   */
  reportEverySeconds: 30,
} as const;
