/**
 * The service pages that list their routes (docs/product.md, docs/billing.md, "Routes and answers") list exactly the
 * route table's (services/contracts/routes.ts). Nothing else checked them, so a route added to the table, or taken
 * out of it, left the page behind without a sound. Identity's page points at its OpenAPI document instead.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeKey, routesOf } from '../../services/contracts/routes';
import type { ServiceName } from '../../services/contracts/services';

const HEADING = '## Routes and answers';

/** The `METHOD /path` of each row of the first table under HEADING. */
function documentedRoutes(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`${file} has no heading "${HEADING}"`);
  const section = text.slice(start + HEADING.length + 2).split(/\n#{1,3} /, 1)[0]!;
  return [...section.matchAll(/^\| `([A-Z]+ \/[^`]*)` \|/gm)].map((match) => match[1]!);
}

const PAGES: readonly (readonly [ServiceName, string])[] = [
  ['product', 'docs/product.md'],
  ['billing', 'docs/billing.md'],
];

describe('the route tables of the service pages', () => {
  it.each(PAGES)('when the %s page lists its routes, then they are the route table\'s, in its order', (service, file) => {
    expect(documentedRoutes(file), `${file}, "${HEADING}" against services/contracts/routes.ts`).toEqual(routesOf(service).map(routeKey));
  });
});
