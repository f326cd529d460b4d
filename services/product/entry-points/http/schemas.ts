/** Wire shapes of the Product API; the routes validate with them and the OpenAPI document is built from them. */
import { z } from 'zod';
import { cursorTimestamp } from '../../../kit/http/pagination';
import { multiLine, singleLineName } from '../../../kit/http/text-fields';
import { MULTI_LINE_TEXT, NAME_TEXT } from '../../../kit/http/text-patterns';
import { MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from '../../../contracts/product-fields';
import { isCurrencyCode, MAX_PRICE_CENTS } from '../../domain/product';

const priceCents = z.number().int().min(0).max(MAX_PRICE_CENTS);
const text = (max: number) =>
  singleLineName(z.string())
    .trim()
    .min(1)
    .max(max)
    .meta({ description: 'One line, without bidirectional controls or invisible characters, but for a zero width space or soft hyphen between letters (see the pattern); trimmed', ...NAME_TEXT });
const description = multiLine(z.string().max(4000)).meta(MULTI_LINE_TEXT);

export const createProductBody = z.strictObject({
  sku: z.string().regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${MAX_SKU_LENGTH - 1}}$`), `letters, digits, ".", "_" or "-", at most ${MAX_SKU_LENGTH}`),
  name: text(MAX_PRODUCT_NAME_LENGTH),
  description: description.nullable().optional(),
  priceCents,
  currency: z
    .string()
    .refine(isCurrencyCode, 'an ISO 4217 code of a currency in use, in capitals, such as USD')
    .optional()
    .meta({ description: 'ISO 4217, upper case; defaults to USD', example: 'EUR', pattern: '^[A-Z]{3}$' }),
});

export const updateProductBody = z
  .strictObject({
    name: text(MAX_PRODUCT_NAME_LENGTH),
    description: description.nullable(),
    priceCents,
    active: z.boolean(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'send at least one of name, description, priceCents, active');

export const productIdParam = z.uuid();

export const productCursor = z.strictObject({ createdAt: cursorTimestamp, id: z.uuid() });

export const productResponse = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  priceCents: z.number().int(),
  currency: z.string(),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const productListResponse = z.object({
  items: z.array(productResponse),
  nextCursor: z.string().nullable(),
});
