/**
 * The outbox backlog metrics, as the services report them and the CDK app alarms on them. Each producing service's
 * bus (services/kit/bus/service-bus.ts) reports the age of its oldest pending outbox row, and how many rows failed for
 * good, as one CloudWatch Embedded Metric Format line on stdout, which CloudWatch Logs turns into these metrics; each
 * producer's alarms (lib/constructs/outbox-backlog-alarm.ts, outbox-failed-alarm.ts) read them under the same names. A name changed on one side only would
 * leave the alarm on a metric nobody reports, so both sides read them from here.
 */
export const OUTBOX_BACKLOG_METRIC = {
  namespace: 'Platform/Outbox',
  /**
   * Seconds since the oldest row the relay still tries to publish (unsent, not failed) was written; 0 when there is
   * none. A row failed for good is left out: it would keep the age, and the alarm on it, up for ever, and a new
   * outage of the relay could not page while it was on. `failed` counts those rows instead.
   */
  name: 'OldestUnsentAge',
  unit: 'Seconds',
  /** Unsent rows the relay found it can never publish (`failed_at`), waiting for an operator; reported beside the age. */
  failed: { name: 'OutboxFailedEvents', unit: 'Count' },
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
