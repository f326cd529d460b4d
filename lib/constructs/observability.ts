import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type Dashboard, type IMetric, type MetricOptions, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import type { ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlarmStateAlert } from './alarm-state-alert';
import { DatabaseEventAlert } from './database-event-alert';
import { observabilityDashboard } from './observability-dashboard';
import { RotationFailureAlert } from './rotation-failure-alert';

/** What the dashboard and the alarms read from the API. */
export interface ApiMetrics {
  metricCount(props?: MetricOptions): IMetric;
  metricClientError(props?: MetricOptions): IMetric;
  metricServerError(props?: MetricOptions): IMetric;
  metricLatency(props?: MetricOptions): IMetric;
  metricIntegrationLatency(props?: MetricOptions): IMetric;
}

export interface ObservedService {
  readonly name: string;
  readonly service: FargateService;
  readonly targetGroup: ApplicationTargetGroup;
  /**
   * The fewest tasks the service runs (its autoscaling minimum). Above one, an alarm fires when fewer are healthy for
   * 15 minutes: ECS cannot start or keep the tasks it should (a task that fails at start, no capacity), and the
   * service runs without the redundancy it was sized for, which "no healthy task" tells only once none is left.
   * @default 1: no such alarm
   */
  readonly minCapacity?: number;
}

/** An RDS instance and the two limits its alarms are set against. */
export interface ObservedDatabase {
  readonly instance: IDatabaseInstance;
  /** The instance's max_connections (lib/connection-budget.ts): the connections alarm fires at 80 % of it. */
  readonly maxConnections: number;
  /** The instance class's memory: the memory alarm fires below 10 % of it free. */
  readonly memoryBytes: number;
  /**
   * The storage the instance was created with. RDS storage autoscaling grows the volume once 10 % of it or less is
   * free for 5 minutes, so the free-storage alarm fires below half that (5 %, at most 2 GiB): only when autoscaling
   * did not act (within 6 hours of its last growth, at the maximum, or failing), never on its ordinary first growth.
   */
  readonly allocatedStorageBytes: number;
  /**
   * A burstable class (db.t4g, db.t3), which RDS runs in Unlimited mode (it cannot be changed): CPU above the class's
   * baseline (10 % on a t4g.micro, 20 % on a t4g.small), long enough to spend its earned credits, is billed as surplus
   * credits on top of the hourly price, with no throttling to show it. An alarm fires on the first credits billed.
   * @default false
   */
  readonly burstable?: boolean;
}

export interface ObservabilityProps {
  /** Prefixes alarm names and names the dashboard. */
  readonly name: string;
  /** The edge's request metrics (a REST API's or an HTTP API's: both offer these). */
  readonly api: ApiMetrics;
  readonly services: readonly ObservedService[];
  readonly databases: readonly ObservedDatabase[];
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: IQueue }[];
  /**
   * The edge firewall's blocked requests (the total first, then per rule), graphed beside the API's errors.
   * @default no firewall widget (a stage without WAF)
   */
  readonly firewallBlocks?: readonly IMetric[];
  /**
   * Alarms made elsewhere (the bus's dead-letter alarms) that should notify too.
   * @default only the alarms this construct makes
   */
  readonly alarms?: readonly Alarm[];
  /**
   * Secrets Secrets Manager rotates (the databases' master secrets): a failed rotation notifies the alerts topic
   * (rotation-failure-alert.ts).
   * @default none watched
   */
  readonly rotatedSecrets?: readonly ISecret[];
  /**
   * The functions that rotate them: any error pages. The rotation rule hears of a failure only through CloudTrail
   * (a trail must log the region's management events); a function's errors need nothing but CloudWatch.
   * @default none watched
   */
  readonly rotationFunctions?: readonly IFunction[];
  /**
   * Alarms of another stack, by name, that cannot notify the alerts topic themselves (the data stack's NAT credit
   * alarm): their state changes page it through an EventBridge rule (alarm-state-alert.ts).
   * @default none
   */
  readonly forwardedAlarmNames?: readonly string[];
  /**
   * Subscribed to the alerts topic.
   * @default no subscription; subscribe to the topic by hand
   */
  readonly alarmEmail?: string;
  /** Warn at synthesis when no e-mail is given (prod: an alarm that reaches no one is none). @default false */
  readonly warnWithoutSubscriber?: boolean;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * One dashboard (API errors and latency, ECS CPU and memory, targets, RDS, dead letters) and the alarms that
 * page someone, all notifying one alerts topic. Only free, always-on metrics are used, so it works with
 * Container Insights off.
 */
export class Observability extends Construct {
  public readonly alertsTopic: Topic;
  public readonly dashboard: Dashboard;
  public readonly alarms: readonly Alarm[];
  /** The rule that pages on a failed secret rotation, when `rotatedSecrets` are given. */
  public readonly rotationFailures?: RotationFailureAlert;
  /** RDS's own events (failover, failure, restart, storage exhausted) for the databases, when there are any. */
  public readonly databaseEvents?: DatabaseEventAlert;
  /** The rule that pages on `forwardedAlarmNames`' state changes, when there are any. */
  public readonly forwardedAlarms?: AlarmStateAlert;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    if (props.services.length === 0) throw new Error('Observability needs at least one service; got none');
    for (const { name, minCapacity = 1 } of props.services) {
      if (!Number.isInteger(minCapacity) || minCapacity < 1) throw new Error(`Observability: service "${name}" needs a whole minCapacity of at least 1; got ${minCapacity}`);
    }
    for (const { maxConnections, memoryBytes } of props.databases) {
      if (!(Number.isInteger(maxConnections) && maxConnections > 0) || !(memoryBytes > 0)) {
        throw new Error(`Observability: a database needs a positive maxConnections and memoryBytes; got ${maxConnections} and ${memoryBytes}`);
      }
    }
    for (const { allocatedStorageBytes } of props.databases) {
      if (!(allocatedStorageBytes > 0)) throw new Error(`Observability: a database needs a positive allocatedStorageBytes; got ${allocatedStorageBytes}`);
    }

    // No SSE: CloudWatch can only publish to an encrypted topic through a customer-managed key ($1/month), and
    // alarm notifications carry no data beyond alarm names. Publishing still requires TLS.
    this.alertsTopic = new Topic(this, 'Alerts', { enforceSSL: true });
    // The TLS rule makes a topic policy, which replaces SNS's default one; without this grant CloudWatch could not
    // publish ("no resource-based policy allows the SNS:Publish action") and every alarm would notify nobody.
    // Only this account's alarms may, so no other account can use CloudWatch to publish here (confused deputy).
    const { account, region, partition } = Stack.of(this);
    this.alertsTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alertsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    if (props.rotatedSecrets) {
      this.rotationFailures = new RotationFailureAlert(this, 'SecretRotation', { name: props.name, secrets: props.rotatedSecrets, topic: this.alertsTopic });
    }
    if (props.databases.length > 0) {
      this.databaseEvents = new DatabaseEventAlert(this, 'DatabaseEvents', { instances: props.databases.map((db) => db.instance), topic: this.alertsTopic });
    }
    if (props.forwardedAlarmNames && props.forwardedAlarmNames.length > 0) {
      this.forwardedAlarms = new AlarmStateAlert(this, 'ForwardedAlarms', { name: props.name, alarmNames: props.forwardedAlarmNames, topic: this.alertsTopic });
    }
    if (props.alarmEmail) this.alertsTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    else if (props.warnWithoutSubscriber) {
      // Alarms that notify nobody look wired in every console, and page no one.
      Annotations.of(this).addWarningV2(
        'platform:alarms-without-subscriber',
        'No one is subscribed to the alerts topic: deploy with -c alarmEmail=you@example.org, or subscribe a pager or chat integration to it by hand.',
      );
    }

    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, options: AlarmOptions = {}) =>
      new Alarm(this, alarmId, {
        alarmName: `${props.name}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: options.periods ?? 1,
        comparisonOperator: options.below ? ComparisonOperator.LESS_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });

    const api = props.api;
    const own = [
      alarm('api-5xx', 'The API answered more than 5 server errors in 5 minutes.', api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), 5),
      alarm('api-latency-p99', 'API p99 latency above 2 s for 15 minutes.', api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }), 2000, { periods: 3 }),
      ...props.services.map((s) =>
        alarm(`${s.name}-no-healthy-task`, `${s.name} has had no healthy task behind the ALB for 2 minutes.`,
          s.targetGroup.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }), 1,
          { periods: 2, below: true, missing: TreatMissingData.BREACHING }),
      ),
      // 15 minutes: replacing a crashed or reclaimed task takes a few; a deployment keeps at least the minimum healthy.
      ...props.services.filter((s) => (s.minCapacity ?? 1) > 1).map((s) =>
        alarm(`${s.name}-below-minimum`, `${s.name} has had fewer than its ${s.minCapacity} tasks healthy behind the ALB for 15 minutes: ECS cannot start or keep them (see the service's events).`,
          s.targetGroup.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }), s.minCapacity!,
          { periods: 15, below: true, missing: TreatMissingData.BREACHING }),
      ),
      ...props.databases.flatMap(({ instance: db, maxConnections, memoryBytes, allocatedStorageBytes, burstable }, index) => [
        alarm(`db${index}-cpu`, 'Database CPU above 80 % for 15 minutes.', db.metricCPUUtilization({ period: FIVE_MINUTES }), 80, { periods: 3 }),
        // 30 % for weeks never reaches the alarm above, and costs more than the instance (docs/infrastructure.md, "Cost").
        ...(burstable
          ? [alarm(`db${index}-cpu-credits-charged`, 'RDS billed surplus CPU credits this hour: the burstable instance ran above its baseline CPU for longer than its earned credits last (Unlimited mode, about $0.075 per vCPU-hour beyond the hourly price). Find the load, or move to a larger or non-burstable class.',
            db.metric('CPUSurplusCreditsCharged', { period: Duration.hours(1), statistic: 'Sum' }), 0)]
          : []),
        alarm(`db${index}-storage`, `Database free storage below ${freeStorageFloor(allocatedStorageBytes) / 1024 ** 3} GiB: storage autoscaling, which grows the volume at 10 % free, did not (6 hours since its last growth, at its maximum, or failing).`,
          db.metricFreeStorageSpace({ period: FIVE_MINUTES, statistic: 'Minimum' }), freeStorageFloor(allocatedStorageBytes), { below: true }),
        // Near max_connections, a task that scales out or redeploys cannot connect; each task's pool is bounded.
        alarm(`db${index}-connections`, `Database connections above 80 % of max_connections (${maxConnections}) for 10 minutes.`,
          db.metricDatabaseConnections({ period: FIVE_MINUTES, statistic: 'Maximum' }), Math.floor(maxConnections * 0.8), { periods: 2 }),
        // Below this, PostgreSQL's cache shrinks and the instance swaps: every query slows.
        alarm(`db${index}-memory`, 'Database freeable memory below 10 % of the instance\'s for 15 minutes.',
          db.metricFreeableMemory({ period: FIVE_MINUTES, statistic: 'Minimum' }), Math.floor(memoryBytes * 0.1), { periods: 3, below: true }),
      ]),
      ...(props.rotationFunctions ?? []).map((fn, index) =>
        alarm(`rotation${index}-errors`, 'A database secret rotation failed (its function reported an error). What to do: docs/deploy.md, section 9.',
          fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 0),
      ),
    ];
    this.alarms = [...own, ...(props.alarms ?? [])];
    // The OK action tells whoever was paged that it is over, so a page needs no console visit to be closed.
    for (const each of this.alarms) {
      each.addAlarmAction(new SnsAction(this.alertsTopic));
      each.addOkAction(new SnsAction(this.alertsTopic));
    }

    this.dashboard = observabilityDashboard(this, props, this.alarms);
  }
}

/** Half of storage autoscaling's trigger (10 % of the allocation free), and never above 2 GiB. */
function freeStorageFloor(allocatedStorageBytes: number): number {
  return Math.min(2 * 1024 ** 3, Math.floor(allocatedStorageBytes * 0.05));
}

interface AlarmOptions {
  readonly periods?: number;
  readonly below?: boolean;
  readonly missing?: TreatMissingData;
}
