import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type Estimate, loadPriceTable, priceTemplates } from '../../scripts/cost';
import { OUTBOX_BACKLOG_METRIC } from '../../services/contracts/outbox-backlog';
import { stageCostTemplates } from '../lib/stage-templates';
import { bundleScript } from '../support/bundled-script';

const run = promisify(execFile);

const table = loadPriceTable();
// What estimateStage() prices, from the run's one synthesis of each stage (test/support/synthesize-stages.ts).
const templates = await stageCostTemplates();
const estimates: Record<'dev' | 'prod', Estimate> = { dev: priceTemplates('dev', templates.dev, table), prod: priceTemplates('prod', templates.prod, table) };

describe('cost estimate', () => {
  it('when dev idles, then it costs at most $60 a month', () => {
    expect(estimates.dev.total).toBeGreaterThan(0);
    expect(estimates.dev.total).toBeLessThanOrEqual(60);
  });

  it.each(['dev', 'prod'] as const)('when %s is priced, then every resource type is known to the price table', (stage) => {
    expect(estimates[stage].unpriced).toEqual([]);
  });

  it.each(['dev', 'prod'] as const)('when %s is priced, then the figure in docs/infrastructure.md is the current one', (stage) => {
    const docs = readFileSync(path.join(import.meta.dirname, '../../docs/infrastructure.md'), 'utf8');
    const documented = new RegExp(`\\| ${stage} \\| \\$([0-9.]+) \\|`).exec(docs)?.[1];
    expect(Number(documented), `docs/infrastructure.md row "| ${stage} | $… |"`).toBeCloseTo(estimates[stage].total, 1);
  });

  it('when the price table is read, then it is dated and names https sources', () => {
    const raw = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../scripts/prices/us-east-1.json'), 'utf8'));
    expect(raw.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.values(raw.sources as Record<string, string>).every((url) => url.startsWith('https://'))).toBe(true);
  });

  it('when a template holds an ALB and a Spot service, then each is priced from the table', () => {
    const estimate = priceTemplates(
      'unit',
      {
        s: {
          Resources: {
            Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: {} },
            Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '1024', Memory: '2048' } },
            Svc: {
              Type: 'AWS::ECS::Service',
              Properties: { TaskDefinition: { Ref: 'Task' }, DesiredCount: 2, CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT' }] },
            },
            Odd: { Type: 'AWS::Made::Up' },
          },
        },
      },
      table,
    );
    const { prices: p, hoursPerMonth: h } = table;
    expect(estimate.lines.find((l) => l.logicalId === 'Alb')?.monthly).toBeCloseTo(p.albHour * h);
    const task = (p.fargateVcpuHour.X86_64! + 2 * p.fargateGbHour.X86_64!) * p.fargateSpotFactor * h;
    expect(estimate.lines.find((l) => l.logicalId === 'Svc')?.monthly).toBeCloseTo(2 * task);
    expect(estimate.unpriced).toEqual(['AWS::Made::Up']);
  });

  it('when a service sets no DesiredCount (deploys keep what autoscaling chose), then it is priced at its autoscaling minimum', () => {
    const service = (id: string) => ({ Type: 'AWS::ECS::Service', Properties: { TaskDefinition: { Ref: 'Task' }, ServiceName: id } });
    const target = (id: string, min: number) => ({
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      Properties: { MinCapacity: min, MaxCapacity: 10, ResourceId: { 'Fn::Join': ['', ['service/', { Ref: 'Cluster' }, '/', { 'Fn::GetAtt': [id, 'Name'] }]] } },
    });
    const estimate = priceTemplates(
      'unit',
      { s: { Resources: { Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '1024', Memory: '2048' } }, Svc: service('Svc'), SvcTarget: target('Svc', 3), Lone: service('Lone'), Other: target('Svc2', 7) } } },
      table,
    );
    const { prices: p, hoursPerMonth: h } = table;
    const task = (p.fargateVcpuHour.X86_64! + 2 * p.fargateGbHour.X86_64!) * h;
    expect(estimate.lines.find((l) => l.logicalId === 'Svc')?.monthly).toBeCloseTo(3 * task);
    // No target names it (the one for "Svc2" must not match "Svc"'s prefix either way): one task.
    expect(estimate.lines.find((l) => l.logicalId === 'Lone')?.monthly).toBeCloseTo(task);
  });

  it('when a template holds a web ACL, then it costs its monthly fee plus one rule fee per rule, requests apart', () => {
    const rules = [{ Name: 'a' }, { Name: 'b' }, { Name: 'c' }];
    const estimate = priceTemplates('unit', { s: { Resources: { Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: rules } } } } }, table);
    const { prices: p } = table;
    expect(estimate.lines[0]?.monthly).toBeCloseTo(p.wafWebAclMonth + 3 * p.wafRuleMonth);
    expect(estimate.lines[0]?.detail).toContain(`3 rules (+$${p.wafMillionRequests} per million requests)`);
  });
});

describe('npm run cost, from the command line', () => {
  it('when an alarm reads two metrics (metric math), then it is priced as two alarm metrics, and a plain one as one', () => {
    const stat = (name: string) => ({ Id: name, MetricStat: { Metric: { MetricName: name }, Period: 60, Stat: 'Sum' } });
    const math = { Metrics: [{ Id: 'share', Expression: 'a / b' }, stat('a'), stat('b')] };
    const estimate = priceTemplates('unit', { s: { Resources: { Math: { Type: 'AWS::CloudWatch::Alarm', Properties: math }, Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'x' } } } } }, table);
    expect(estimate.lines.map((line) => [line.logicalId, line.monthly])).toEqual([
      ['Math', 2 * table.prices.alarmMonth],
      ['Plain', table.prices.alarmMonth],
    ]);
  });

  it('when an alarm reads the metric the services report themselves (EMF, in no template), then that custom metric is priced with it', () => {
    const alarm = (namespace: string) => ({ Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: namespace, MetricName: 'x' } });
    const estimate = priceTemplates('unit', { s: { Resources: { Reported: alarm(OUTBOX_BACKLOG_METRIC.namespace), Aws: alarm('AWS/SQS') } } }, table);
    expect(estimate.lines.map((line) => [line.logicalId, line.monthly])).toEqual([
      ['Reported', table.prices.alarmMonth + table.prices.customMetricMonth],
      ['Aws', table.prices.alarmMonth],
    ]);
  });

  it('when the stage or an option is unknown, then it says so in one line and exits 1, before any synthesis', async () => {
    const script = await bundleScript('scripts/cost.ts');
    try {
      for (const [args, said] of [
        [['--stage', 'bogus'], 'npm run cost: Unknown stage "bogus": expected one of dev, prod'],
        [['--bogus'], 'npm run cost: Unknown option \'--bogus\''],
      ] as const) {
        const error = (await run(process.execPath, [script.file, ...args]).then(() => undefined, (e: unknown) => e)) as { code?: number; stderr?: string } | undefined;
        expect(error?.code).toBe(1);
        expect(error?.stderr?.trim().split('\n')).toEqual([expect.stringContaining(said)]);
      }
    } finally {
      await script.remove();
    }
  });

  it('when --help is asked for, then it prints the usage and exits 0, before any synthesis', async () => {
    const script = await bundleScript('scripts/cost.ts');
    try {
      const { stdout } = await run(process.execPath, [script.file, '--help']);
      expect(stdout).toMatch(/^usage: npm run cost -- \[--stage dev\|prod\] \[--json\]/);
    } finally {
      await script.remove();
    }
  });

  it('when prod (whose alarm topic has no subscriber) is priced from the command line, then it prints the estimate and no validation report in a folder it deleted', { timeout: 120_000 }, async () => {
    // A whole prod synthesis in a child, from source through tsx: 21 s in CI's second pass on a loaded host, so the
    // default 30 s was a coin toss on a slower day.
    // From source, as `npm run cost` runs it: the script reads its price table beside itself.
    const root = path.join(import.meta.dirname, '../..');
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/cost.ts', '--stage', 'prod'], { cwd: root });
    expect(stdout).toContain('Idle monthly cost of stage "prod"');
    expect(`${stdout}${stderr}`).not.toMatch(/validation-report\.json|Annotation::/);
  });
});

