/**
 * What Billing requires of Product's answer before a price from it goes into an invoice, line by line. The adapters
 * read the wire; this is the last check before money is written, so a broken answer (whatever the protocol, whatever
 * the adapter let through) fails the request instead of producing a wrong invoice.
 */
import { isCurrencyCode } from '../../contracts/currencies';
import { MAX_PRODUCT_NAME_LENGTH, MAX_SKU_LENGTH } from '../../contracts/product-fields';
import type { CatalogProduct, RequestedLine } from './invoice';
import { CatalogContractError, type CatalogAnswer } from './ports';

/** Why one product's entry is not a price; undefined when it is one. */
function flawOf(product: CatalogProduct): string | undefined {
  if (!Number.isSafeInteger(product.priceCents) || product.priceCents < 0) return `its price ${String(product.priceCents)} is not a whole, non-negative number of cents`;
  if (!isCurrencyCode(product.currency)) return `its currency ${JSON.stringify(product.currency)} is not an ISO 4217 code`;
  if (product.sku === '') return 'it has no sku';
  // Longer than Product itself accepts: not a product it could have, and an invoice line would freeze it for ever.
  if (product.sku.length > MAX_SKU_LENGTH) return `its sku is over ${MAX_SKU_LENGTH} characters`;
  if (product.name.length > MAX_PRODUCT_NAME_LENGTH) return `its name is over ${MAX_PRODUCT_NAME_LENGTH} characters`;
  // PostgreSQL's text holds no NUL: such a line failed only at the insert, inside the invoice's transaction, as a
  // database error instead of the broken answer it is.
  if (product.sku.includes('\0') || product.name.includes('\0')) return 'its sku or name holds a NUL character';
  return undefined;
}

/**
 * Throws `CatalogContractError` unless the answer accounts for exactly the requested ids: each one priced (with its
 * own id, a safe non-negative integer of cents and an ISO 4217 currency) or reported unknown, and nothing else.
 */
export function checkCatalogAnswer(requested: readonly RequestedLine[], catalog: CatalogAnswer): void {
  const asked = new Set(requested.map((line) => line.productId));
  for (const id of catalog.keys()) {
    if (!asked.has(id)) throw new CatalogContractError(`Product's answer names ${id}, which was not asked for`);
  }
  for (const { productId } of requested) {
    if (!catalog.has(productId)) throw new CatalogContractError(`Product's answer says nothing of ${productId}`);
    const product = catalog.get(productId);
    if (product === undefined) continue; // reported unknown: a 422 for the caller, not a broken answer
    // Ids are UUIDs, compared case-insensitively; any other id is another product's price.
    if (product.id.toLowerCase() !== productId.toLowerCase()) throw new CatalogContractError(`Product answered ${product.id} for ${productId}`);
    const flaw = flawOf(product);
    if (flaw) throw new CatalogContractError(`Product's answer for ${productId} is not a price: ${flaw}`);
  }
}
