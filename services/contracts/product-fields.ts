/**
 * The longest sku and product name there are, stated once: Product refuses a longer one when a product is created or
 * renamed (its request schemas, in UTF-16 code units as JavaScript counts a string's length), and Billing refuses an
 * answer from Product's catalog that carries one, instead of freezing it into an invoice line, so both sides read
 * the same limits.
 */
export const MAX_SKU_LENGTH = 64;
export const MAX_PRODUCT_NAME_LENGTH = 200;
