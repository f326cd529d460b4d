/**
 * The services the gateway benchmark puts the gateway in front of:
 * - `stand-in`: a bare node:http JSON server that does nothing, so the gateway's own cost is all there is to see;
 *   it serves a user route, so the JWT authorizer runs on every request;
 * - `product`: the real Product service on embedded PostgreSQL, read by id (a public route), for the throughput
 *   ratio a client actually sees.
 * BENCH_UPSTREAM_URL with BENCH_GATEWAY_PATH replaces both with a service that is already running.
 */
import { createDatabase } from '../../services/kit/db/database';
import { migrationsFolder } from '../../services/contracts/services';
import { migrateWithLock } from '../../services/kit/db/migrate';
import { createLogger } from '../../services/kit/logger';
import { nodeEntry } from '../../services/local/child-process/node-entry';
import { startChildProcess } from '../../services/local/child-process/start-child';
import { freePort } from '../../services/local/free-port';
import * as schema from '../../services/product/data-access/schema';
import { productRepository } from '../../services/product/data-access/product-repository';
import { benchDatabaseServer } from './database';

export interface BenchUpstream {
  readonly name: string;
  readonly describe: string;
  readonly url: string;
  /** The route requested, direct and through the gateway. */
  readonly path: string;
  stop(): Promise<void>;
}

export type UpstreamKind = 'stand-in' | 'product';

export function startBenchUpstream(kind: UpstreamKind, cognitoEnv: Record<string, string>): Promise<BenchUpstream> {
  const given = process.env.BENCH_UPSTREAM_URL?.replace(/\/+$/, '');
  if (given) return Promise.resolve(givenUpstream(given));
  return kind === 'product' ? startProduct(cognitoEnv) : startStandIn();
}

function givenUpstream(url: string): BenchUpstream {
  const path = process.env.BENCH_GATEWAY_PATH ?? '/products';
  return { name: url, describe: `the service at ${url}`, url, path, stop: async () => {} };
}

export interface BenchChildOptions {
  readonly env: Record<string, string>;
  /** Answers 200 once the child serves. @default '/health' */
  readonly ready?: string;
  /** The variable the child reads its port from. @default 'PORT' */
  readonly portVariable?: string;
}

/** A child process on a free loopback port, started through tsx, considered up when `ready` answers 200. */
export async function startBenchChild(name: string, entry: string, options: BenchChildOptions) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startChildProcess({
    name,
    args: nodeEntry(entry),
    ready: { url: `${url}${options.ready ?? '/health'}` },
    output: 'ignore',
    readyTimeoutMs: 60_000,
    env: { ...options.env, [options.portVariable ?? 'PORT']: String(port) },
  });
  return { url, stop: child.stop };
}

async function startStandIn(): Promise<BenchUpstream> {
  const child = await startBenchChild('stand-in', 'bench/support/bare-json-server.ts', { env: {} });
  const path = '/billing/invoices/3f0c9a52-6a43-4c1e-9a57-1b2c3d4e5f60';
  return { name: 'stand-in', describe: 'a bare node:http JSON server (no work at all)', url: child.url, path, stop: child.stop };
}

async function startProduct(cognitoEnv: Record<string, string>): Promise<BenchUpstream> {
  const server = await benchDatabaseServer();
  try {
    const url = await server.database('bench_gateway_product');
    const logger = createLogger({ service: 'bench', level: 'warn' });
    const database = createDatabase({ connectionString: url, schema, logger });
    await migrateWithLock(database.pool, migrationsFolder('product'), 'product', logger);
    const product = await productRepository(database.db).insert({ sku: `GW-${Date.now()}`, name: 'Bench', priceCents: 999 });
    await database.close();
    // main.ts without the event bus (Product's queue is not needed to read a product), on a free gRPC port.
    const child = await startBenchChild('product', 'bench/support/product-for-bench.ts', {
      env: { ...cognitoEnv, HOST: '127.0.0.1', DATABASE_URL: url, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', PRODUCT_GRPC_PORT: String(await freePort()) },
      ready: '/health/ready',
    });
    const stop = async () => {
      await child.stop();
      await server.stop();
    };
    const describe = 'the Product service (Express 5, drizzle, embedded PostgreSQL 16)';
    return { name: 'product', describe, url: child.url, path: `/products/${product.id}`, stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
