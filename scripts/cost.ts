/**
 * `npm run cost -- --stage dev|prod [--json]`: prices the synthesized templates of a stage, per resource and in
 * total, for an idle month, from the committed price table (scripts/prices/us-east-1.json, dated, with sources).
 * Usage-based charges (requests, GB of logs, MAUs) are listed apart: they are $0 when nothing happens.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { BUNDLING_STACKS, FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT } from 'aws-cdk-lib/cx-api';
import { createPlatform } from '../lib/platform';
import { stageSettings } from '../lib/stages';
import { loadPriceTable, type PriceTable } from './cost-price-table';
import { PRICERS, type Template } from './cost-pricers';

// The price table and the pricers live in sibling files; tests and callers keep importing them from here.
export { loadPriceTable, PRICE_TABLE_FILE, type PriceTable } from './cost-price-table';
export type { Template } from './cost-pricers';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface CostLine {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly monthly: number;
  readonly detail: string;
}

export interface Estimate {
  readonly stage: string;
  readonly lines: readonly CostLine[];
  readonly usage: readonly { readonly type: string; readonly count: number; readonly note: string }[];
  /** Types the table does not know: the estimate is incomplete until they are added. */
  readonly unpriced: readonly string[];
  readonly total: number;
}

/** Prices every resource of the given templates (stack name → template) for one idle month. */
export function priceTemplates(stage: string, templates: Readonly<Record<string, Template>>, table: PriceTable): Estimate {
  const lines: CostLine[] = [];
  const usage = new Map<string, number>();
  const unpriced = new Set<string>();
  for (const [stack, template] of Object.entries(templates)) {
    const resources = template.Resources ?? {};
    for (const [id, { Type: type, Properties: props = {} }] of Object.entries(resources)) {
      const priced = PRICERS.get(type)?.({ id, props, resources, p: table.prices, hours: table.hoursPerMonth });
      if (priced === 'usage' || (priced === undefined && table.usageOnly[type] !== undefined)) usage.set(type, (usage.get(type) ?? 0) + 1);
      else if (priced !== undefined) lines.push({ stack, logicalId: id, type, monthly: priced.monthly, detail: priced.detail });
      else if (!table.free.includes(type)) unpriced.add(type);
    }
  }
  const total = lines.reduce((sum, line) => sum + line.monthly, 0);
  return {
    stage,
    lines,
    usage: [...usage].map(([type, count]) => ({ type, count, note: table.usageOnly[type] ?? '' })),
    unpriced: [...unpriced],
    total,
  };
}

/** Synthesizes a stage (no lookups, no credentials) and returns its templates by stack name. */
export function synthesizeTemplates(stageName: string): Record<string, Template> {
  // Prices read templates only, so the Lambda functions' code is not built (as `cdk synth --exclusively` skips
  // other stacks'): that was esbuild through npx, about a second of CPU per function and stage.
  // Validation findings (a warning for an alarm topic nobody subscribes to) are for `cdk synth` and deploys: printed
  // here they named a report in the outdir this function then deletes. Left to a CLI, the app prints none.
  const context = { ...JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context, [BUNDLING_STACKS]: [], [FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false };
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cost-'));
  try {
    const app = new App({ outdir, context, builtinCloudFormationValidation: false });
    createPlatform(app, { stage: stageSettings(stageName), env: { region: 'us-east-1' } });
    const assembly = app.synth();
    return Object.fromEntries(assembly.stacks.map((stack) => [stack.stackName, stack.template as Template]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function estimateStage(stageName: string, table = loadPriceTable()): Estimate {
  return priceTemplates(stageName, synthesizeTemplates(stageName), table);
}

export function formatEstimate(estimate: Estimate, table: PriceTable): string {
  const dollars = (n: number) => n.toFixed(2).padStart(8);
  const rows = [...estimate.lines]
    .sort((a, b) => b.monthly - a.monthly)
    .map((line) => `${dollars(line.monthly)}  ${`${line.stack}/${line.logicalId}`.padEnd(72)} ${line.detail}`);
  return [
    `Idle monthly cost of stage "${estimate.stage}" in ${table.region} (USD, ${table.hoursPerMonth} h, prices of ${table.date}):`,
    '',
    ` $/month  resource${' '.repeat(65)}what`,
    ...rows,
    `${'-'.repeat(8)}`,
    `${dollars(estimate.total)}  total, idle`,
    '',
    'Usage-based, $0 when idle:',
    ...estimate.usage.map((u) => `  ${u.count} × ${u.type}: ${u.note}`),
    ...(estimate.unpriced.length > 0 ? ['', `NOT PRICED (add them to the price table): ${estimate.unpriced.join(', ')}`] : []),
  ].join('\n');
}

const USAGE = 'usage: npm run cost -- [--stage dev|prod] [--json]   (the idle monthly cost of a stage; --stage defaults to dev)';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { stage: { type: 'string', default: 'dev' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) return console.log(USAGE);
  stageSettings(values.stage); // an unknown stage is told in one line, before any synthesis
  const table = loadPriceTable();
  const estimate = estimateStage(values.stage!, table);
  console.log(values.json ? JSON.stringify(estimate, null, 2) : formatEstimate(estimate, table));
  if (estimate.unpriced.length > 0) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // A mistake on the command line (an unknown stage or option) is one line, not a stack trace.
  await main().catch((error: unknown) => {
    console.error(`npm run cost: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
