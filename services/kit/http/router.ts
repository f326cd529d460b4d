import { Router } from 'express';

/**
 * A router that matches paths exactly as the edge does (the gateway's route table, API Gateway's routes):
 * case-sensitive, and with no trailing slash. Express's defaults would answer `/PRODUCTS` and `/products/` on a
 * service's own port while the edge answers 404, so what a client sees would depend on the way in.
 */
export const exactRouter = (): Router => Router({ caseSensitive: true, strict: true });
