/**
 * Billing for tests: the app on a fresh, migrated database of its own with real token verification, talking to
 * Product over real HTTP — the real Product app on an ephemeral port, or a local server that misbehaves.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import type { Express } from 'express';
import { createBillingApp } from '../../services/billing/app';
import { productCatalogGrpc, type ProductCatalogGrpcOptions } from '../../services/billing/data-access/product-catalog-grpc';
import { productCatalogHttp, type ProductCatalogHttpOptions } from '../../services/billing/data-access/product-catalog-http';
import * as schema from '../../services/billing/data-access/schema';
import { billingUnitOfWork, type EventsInTransaction } from '../../services/billing/data-access/unit-of-work';
import { accountUseCases, type AccountUseCases } from '../../services/billing/domain/account-use-cases';
import type { InvoicePaid, ProductCatalog, UnitOfWork } from '../../services/billing/domain/ports';
import { requireUser } from '../../services/kit/auth/middleware';
import { revocationAware } from '../../services/kit/auth/revocations';
import { revocationListClosedAccounts } from '../../services/billing/data-access/revocation-list-closed-accounts';
import type { CloudEventEnvelope } from '../../services/kit/bus/cloud-event';
import { createDatabase, type Database } from '../../services/kit/db/database';
import { createInbox, type Inbox } from '../../services/kit/inbox/inbox';
import { testVerifier } from './auth';
import { migratedForAppRole } from './database';
import { startProductHarness, type ProductHarness } from './product';
import { testLogger } from './silent-logger';
import { eventually } from './within';

export const BILLING_MIGRATIONS = path.resolve('services/billing/data-access/migrations');

/** Quick failures for the resilience paths; the production defaults are the same policies, only slower. */
export const FAST_FAILURE = { timeoutMs: 200, initialBackoffMs: 5, maxBackoffMs: 20 } as const;

export type CatalogOptions = Omit<ProductCatalogHttpOptions, 'baseUrl' | 'logger'>;
export type GrpcCatalogOptions = Omit<ProductCatalogGrpcOptions, 'baseUrl'>;

export interface BillingHarness {
  readonly database: Database<typeof schema>;
  readonly unitOfWork: UnitOfWork;
  /** The inbox the event handlers get in main.ts, on this database. */
  readonly inbox: Inbox<UnitOfWork>;
  readonly accounts: AccountUseCases;
  /** `billing.invoice.paid` envelopes in the outbox, oldest first, with the request id stored beside each. */
  paidEvents(): Promise<Array<{ envelope: CloudEventEnvelope<string, InvoicePaid>; requestId: string | null }>>;
  /** A Billing app whose own Product catalogue adapter (own breaker) calls `productUrl`. */
  app(productUrl: string, catalog?: CatalogOptions, options?: { events?: EventsInTransaction }): Express;
  /** A Billing app whose own gRPC catalogue adapter (own breaker) calls Product's internal API at `grpcUrl`. */
  grpcApp(grpcUrl: string, catalog?: GrpcCatalogOptions): { app: Express; catalog: ProductCatalog };
  invoiceCount(): Promise<number>;
  /**
   * Starts `request` while the user's account is being closed (the close written in a transaction not yet committed,
   * as `identity.user.deleted` does in its inbox transaction), waits until the request waits on that row, then
   * commits the close; answers the request's outcome.
   */
  closingDuring<T>(userId: string, request: () => PromiseLike<T>): Promise<T>;
  close(): Promise<void>;
}

export async function startBillingHarness(): Promise<BillingHarness> {
  // Migrated by the owner, used as the rows-only app role: as npm start and AWS run it.
  const testDb = await migratedForAppRole('billing', BILLING_MIGRATIONS);
  const database = createDatabase({ connectionString: testDb.appUrl, schema, logger: testLogger });
  const unitOfWork = billingUnitOfWork(database.db);
  const catalogs: Array<{ close(): Promise<void> }> = [];
  // As main.ts builds it, without the one-second cache, so a test sees a closed account at once.
  const verifyUser = requireUser(revocationAware(testVerifier(), revocationListClosedAccounts(database.db)));
  return {
    database,
    unitOfWork,
    inbox: createInbox(database.db, billingUnitOfWork),
    accounts: accountUseCases({ unitOfWork }),
    async paidEvents() {
      const rows = await database.db.select().from(schema.outbox).where(eq(schema.outbox.type, 'billing.invoice.paid')).orderBy(asc(schema.outbox.seq));
      return rows.map((row) => ({ envelope: row.payload as CloudEventEnvelope<string, InvoicePaid>, requestId: row.requestId }));
    },
    app(productUrl, catalog = {}, options = {}) {
      const productCatalog = productCatalogHttp({ baseUrl: productUrl, logger: testLogger, ...catalog });
      catalogs.push(productCatalog);
      const appUnitOfWork = options.events ? billingUnitOfWork(database.db, options.events) : unitOfWork;
      return createBillingApp({ logger: testLogger, unitOfWork: appUnitOfWork, productCatalog, requireUser: verifyUser, ready: database.ping, started: () => true });
    },
    grpcApp(grpcUrl, options = {}) {
      const productCatalog = productCatalogGrpc({ baseUrl: grpcUrl, logger: testLogger, ...options });
      catalogs.push(productCatalog);
      return { app: createBillingApp({ logger: testLogger, unitOfWork, productCatalog, requireUser: verifyUser, ready: database.ping, started: () => true }), catalog: productCatalog };
    },
    invoiceCount: async () => (await database.db.$count(schema.invoices)) as number,
    async closingDuring<T>(userId: string, request: () => PromiseLike<T>): Promise<T> {
      let outcome: Promise<T> | undefined;
      await database.db.transaction(async (tx) => {
        await accountUseCases({ unitOfWork: billingUnitOfWork(tx) }).closeAccount(userId);
        outcome = Promise.resolve(request());
        outcome.catch(() => undefined); // awaited below, once the close has committed
        await eventually('the request waiting on the account being closed', async () => {
          const { rows } = await database.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
          return rows.length > 0;
        });
      });
      return outcome!;
    },
    close: async () => {
      await Promise.all(catalogs.map((productCatalog) => productCatalog.close()));
      await database.close();
      await testDb.drop();
    },
  };
}

export interface LocalServer {
  readonly url: string;
  /** Requests the server has received so far. */
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port that records every request it receives. */
export async function startLocalServer(handler: RequestListener): Promise<LocalServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ProductServer extends LocalServer {
  readonly product: ProductHarness;
}

/** The real Product app, listening, on a database of its own; seed it through `product.unitOfWork.products`. */
export async function startProductServer(): Promise<ProductServer> {
  const product = await startProductHarness();
  const server = await startLocalServer(product.app as RequestListener);
  return {
    ...server,
    product,
    close: async () => {
      await server.close();
      await product.close();
    },
  };
}

export const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
