/** Wire shapes of the Billing API; the routes validate with them and the OpenAPI document is built from them. */
import { z } from 'zod';
import { cursorTimestamp } from '../../../kit/http/pagination';
import { singleLine } from '../../../kit/http/text-fields';
import { SINGLE_LINE_TEXT } from '../../../kit/http/text-patterns';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../domain/idempotency';
import { MAX_LINES, MAX_QUANTITY, MIN_QUANTITY } from '../../domain/invoice';

const requestedLine = z.strictObject({
  // Lower case, so "ABC…" and "abc…" name the same product for duplicates and fingerprints.
  productId: z.uuid().transform((id) => id.toLowerCase()),
  quantity: z.number().int().min(MIN_QUANTITY).max(MAX_QUANTITY),
});

/** One line per product: a repeated product is refused rather than merged, so no line is silently changed. */
export const createInvoiceBody = z.strictObject({
  lines: z
    .array(requestedLine)
    .min(1)
    .max(MAX_LINES)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, index) => {
        if (seen.has(line.productId)) {
          ctx.addIssue({ code: 'custom', path: [index, 'productId'], message: 'appears on an earlier line; send one line per product' });
        }
        seen.add(line.productId);
      });
    }),
});

/** Paying takes no input; a body with fields is a client mistake worth a 400, not something to ignore. */
export const payInvoiceBody = z.strictObject({});

export const idempotencyKeyHeader = singleLine(
  z.string().min(1, 'must not be empty').max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`),
).meta({ description: 'Any value of yours, such as a UUID: the same key with the same body answers the first invoice again', ...SINGLE_LINE_TEXT });

export const invoiceIdParam = z.uuid();

export const invoiceCursor = z.strictObject({ createdAt: cursorTimestamp, id: z.uuid() });

export const accountResponse = z.object({
  id: z.uuid(),
  userId: z.string(),
  status: z.enum(['active', 'closed']),
  createdAt: z.iso.datetime(),
});

export const invoiceLineResponse = z.object({
  productId: z.uuid(),
  sku: z.string(),
  name: z.string(),
  unitPriceCents: z.number().int(),
  quantity: z.number().int(),
  amountCents: z.number().int(),
});

export const invoiceResponse = z.object({
  id: z.uuid(),
  accountId: z.uuid(),
  status: z.enum(['open', 'paid']),
  currency: z.string(),
  totalCents: z.number().int(),
  lines: z.array(invoiceLineResponse),
  createdAt: z.iso.datetime(),
  paidAt: z.iso.datetime().nullable(),
});

export const invoiceListResponse = z.object({
  items: z.array(invoiceResponse),
  nextCursor: z.string().nullable(),
});
