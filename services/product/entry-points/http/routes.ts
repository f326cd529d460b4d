import type { Response, Router, RequestHandler } from 'express';
import { exactRouter } from '../../../kit/http/router';
import { AppError } from '../../../kit/errors';
import { parsePageQuery, toPage } from '../../../kit/http/pagination';
import { parseInput } from '../../../kit/http/validate';
import type { Product } from '../../domain/product';
import type { ProductUseCases } from '../../domain/product-use-cases';
import type { z } from 'zod';
import { createProductBody, productCursor, productIdParam, type productResponse, updateProductBody } from './schemas';

export interface ProductRouteDeps {
  readonly products: ProductUseCases;
  readonly requireAdmin: RequestHandler;
  readonly openApiDocument: object;
}

/**
 * The contract's fields (productResponse), named one by one: a column added to the table later stays out of the
 * API until the response schema and its documents say so.
 */
export const toResponse = (product: Product): z.input<typeof productResponse> => ({
  id: product.id,
  sku: product.sku,
  name: product.name,
  description: product.description,
  priceCents: product.priceCents,
  currency: product.currency,
  active: product.active,
  createdAt: product.createdAt.toISOString(),
  updatedAt: product.updatedAt.toISOString(),
});

/**
 * A malformed id names no product: 404, as the contract says, rather than 400. Its detail does not repeat it: a
 * path segment is whatever the client sent, percent-decoded (ESC sequences for a terminal that shows the detail,
 * kilobytes of it), and `instance` already carries the path as sent.
 */
function productId(raw: unknown): string {
  const parsed = productIdParam.safeParse(raw);
  if (!parsed.success) throw AppError.notFound('No product has this id: product ids are UUIDs.');
  return parsed.data;
}

/** Public reads: prices and availability change, so a cache (a CDN in front) asks again before each use. */
const revalidateEachUse = (res: Response) => res.set('Cache-Control', 'no-cache');

export function productRoutes({ products, requireAdmin, openApiDocument }: ProductRouteDeps): Router {
  const router = exactRouter();

  router.get('/products/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  router.get('/products', async (req, res) => {
    const { limit, after } = parsePageQuery(req.query, productCursor);
    const slice = await products.listActive(limit, after);
    const page = toPage(slice, (p) => ({ createdAt: p.createdAt.toISOString(), id: p.id }));
    revalidateEachUse(res).json({ items: page.items.map(toResponse), nextCursor: page.nextCursor });
  });

  router.get('/products/:id', async (req, res) => {
    const product = await products.get(productId(req.params.id));
    revalidateEachUse(res).json(toResponse(product));
  });

  router.post('/products', requireAdmin, async (req, res) => {
    const product = await products.create(parseInput(createProductBody, req.body));
    res.status(201).location(`/products/${product.id}`).json(toResponse(product));
  });

  router.patch('/products/:id', requireAdmin, async (req, res) => {
    const id = productId(req.params.id);
    res.json(toResponse(await products.update(id, parseInput(updateProductBody, req.body))));
  });

  router.delete('/products/:id', requireAdmin, async (req, res) => {
    await products.deactivate(productId(req.params.id));
    res.status(204).end();
  });

  return router;
}
