import type { Router } from 'express';
import { AppError } from '../errors';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

export interface RegisteredRoute {
  readonly method: string;
  readonly path: string;
}

/** The routes a router serves, read from Express's own table, so tests can compare them with the edge's table. */
export function listRoutes(router: Router): RegisteredRoute[] {
  return (router.stack as RouteLayer[]).flatMap((layer) => {
    const route = layer.route;
    if (!route) return [];
    return Object.keys(route.methods)
      .filter((method) => method !== '_all')
      .map((method) => ({ method: method.toUpperCase(), path: route.path }));
  });
}

/**
 * Appends, for every path the router serves, a catch-all that answers 405 with `Allow`. Express alone would
 * fall through to 404 for a known path with the wrong method.
 */
export function answerMethodNotAllowed(router: Router): Router {
  const allowed = new Map<string, Set<string>>();
  for (const { method, path } of listRoutes(router)) {
    const methods = allowed.get(path) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    allowed.set(path, methods);
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods].join(', ');
    router.all(path, () => {
      throw new AppError(405, 'method-not-allowed', {
        detail: `This resource supports ${allow}.`,
        headers: { Allow: allow },
      });
    });
  }
  return router;
}
