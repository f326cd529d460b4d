import type { Router, RequestHandler, Response } from 'express';
import { exactRouter } from '../../../kit/http/router';
import { principalOf } from '../../../kit/auth/middleware';
import { AppError } from '../../../kit/errors';
import { parsePageQuery, toPage } from '../../../kit/http/pagination';
import { parseInput } from '../../../kit/http/validate';
import type { Account } from '../../domain/account';
import type { AccountUseCases } from '../../domain/account-use-cases';
import type { Invoice } from '../../domain/invoice';
import type { InvoiceUseCases } from '../../domain/invoice-use-cases';
import { idempotencyKey } from './idempotency-key';
import { createInvoiceBody, invoiceCursor, invoiceIdParam, payInvoiceBody } from './schemas';

export interface BillingRouteDeps {
  readonly accounts: AccountUseCases;
  readonly invoices: InvoiceUseCases;
  readonly requireUser: RequestHandler;
  readonly openApiDocument: object;
}

const toAccountResponse = ({ id, userId, status, createdAt }: Account) => ({ id, userId, status, createdAt: createdAt.toISOString() });

// Spelled out, so the owner's user id (kept on the row for scoping) never leaks into the answer.
const toInvoiceResponse = (invoice: Invoice) => ({
  id: invoice.id,
  accountId: invoice.accountId,
  status: invoice.status,
  currency: invoice.currency,
  totalCents: invoice.totalCents,
  lines: invoice.lines,
  createdAt: invoice.createdAt.toISOString(),
  paidAt: invoice.paidAt?.toISOString() ?? null,
});

/** A malformed id names no invoice: 404, like an unknown one or another user's. */
function invoiceId(raw: unknown): string {
  const parsed = invoiceIdParam.safeParse(raw);
  if (!parsed.success) throw AppError.notFound(`Invoice ${String(raw)} does not exist.`);
  return parsed.data.toLowerCase();
}

const userOf = (res: Response) => principalOf(res).sub;

export function billingRoutes({ accounts, invoices, requireUser, openApiDocument }: BillingRouteDeps): Router {
  const router = exactRouter();

  router.get('/billing/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  router.get('/billing/account', requireUser, async (_req, res) => {
    res.json(toAccountResponse(await accounts.getAccount(userOf(res))));
  });

  router.post('/billing/invoices', requireUser, async (req, res) => {
    const key = idempotencyKey(req.headersDistinct['idempotency-key']);
    const { lines } = parseInput(createInvoiceBody, req.body);
    // A client that goes away before the answer cancels the price lookup it was waiting for.
    const gone = new AbortController();
    res.once('close', () => res.writableFinished || gone.abort());
    const { invoice, replayed } = await invoices.create({ userId: userOf(res), lines, signal: gone.signal, ...(key === undefined ? {} : { idempotencyKey: key }) });
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(201).location(`/billing/invoices/${invoice.id}`).json(toInvoiceResponse(invoice));
  });

  router.get('/billing/invoices', requireUser, async (req, res) => {
    const { limit, after } = parsePageQuery(req.query, invoiceCursor);
    const slice = await invoices.list(userOf(res), limit, after);
    const page = toPage(slice, (invoice) => ({ createdAt: invoice.createdAt.toISOString(), id: invoice.id }));
    res.json({ items: page.items.map(toInvoiceResponse), nextCursor: page.nextCursor });
  });

  router.get('/billing/invoices/:id', requireUser, async (req, res) => {
    res.json(toInvoiceResponse(await invoices.get(userOf(res), invoiceId(req.params.id))));
  });

  router.post('/billing/invoices/:id/pay', requireUser, async (req, res) => {
    const id = invoiceId(req.params.id);
    parseInput(payInvoiceBody, req.body ?? {});
    res.json(toInvoiceResponse(await invoices.pay(userOf(res), id)));
  });

  return router;
}
