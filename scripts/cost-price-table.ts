/**
 * The committed price table of `npm run cost` (scripts/cost.ts): its file (scripts/prices/us-east-1.json, dated,
 * with sources) and its shape.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PRICE_TABLE_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'prices', 'us-east-1.json');

export interface PriceTable {
  readonly region: string;
  readonly date: string;
  readonly hoursPerMonth: number;
  readonly prices: {
    readonly albHour: number;
    readonly natGatewayHour: number;
    readonly publicIpv4Hour: number;
    readonly interfaceEndpointAzHour: number;
    readonly ec2Hour: Readonly<Record<string, number>>;
    readonly ebsGp3GbMonth: number;
    readonly natInstanceRootVolumeGb: number;
    readonly rdsSingleAzHour: Readonly<Record<string, number>>;
    readonly rdsMultiAzFactor: number;
    readonly rdsGp3GbMonth: number;
    readonly fargateVcpuHour: Readonly<Record<string, number>>;
    readonly fargateGbHour: Readonly<Record<string, number>>;
    readonly fargateSpotFactor: number;
    readonly secretMonth: number;
    readonly alarmMonth: number;
    readonly dashboardMonth: number;
    readonly customMetricMonth: number;
    readonly containerInsightsMetrics: { readonly perCluster: number; readonly perService: number };
    readonly cloudMapInstanceMonth: number;
    readonly kmsKeyMonth: number;
    /** AWS WAF: per web ACL and per rule (a managed rule group counts as one), plus per million requests inspected. */
    readonly wafWebAclMonth: number;
    readonly wafRuleMonth: number;
    readonly wafMillionRequests: number;
  };
  /** Resource types whose cost is only per use: listed, priced $0 when idle. */
  readonly usageOnly: Readonly<Record<string, string>>;
  /** Resource types that cost nothing by themselves. */
  readonly free: readonly string[];
}

export function loadPriceTable(file = PRICE_TABLE_FILE): PriceTable {
  return JSON.parse(readFileSync(file, 'utf8')) as PriceTable;
}
