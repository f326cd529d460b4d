/**
 * Limits of Product's internal gRPC API, stated once for both sides: Product refuses more, Billing never asks more.
 * `proto/platform/product/v1/product_catalog.proto` states them in words for callers in other languages; a test holds
 * the two equal.
 *
 * GetPrices answers at most this many distinct ids in one call (INVALID_ARGUMENT beyond). Billing shares one call
 * among the invoices of a moment (docs/billing.md, "Shared calls under load"), so it is well above an invoice's 100
 * lines: five of the largest invoices fit in one call, where with a limit of 100 each went alone and paid a whole
 * call. An answer of 500 prices stays under half of Billing's 1 MiB read limit even with the longest skus and names
 * (about 850 bytes a price).
 */
export const GET_PRICES_MAX_IDS = 500;

/**
 * The fewest ids any release of Product has taken in one GetPrices call (its limit until 2026-12-04). A Billing that
 * meets a Product of an older release (a deploy that goes back to one updates Product first) asks it again in calls
 * of this many when a shared call is refused as too large.
 */
export const GET_PRICES_FLOOR = 100;
