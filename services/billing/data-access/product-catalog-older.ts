/**
 * GetPrices against a Product that takes fewer ids per call than this Billing shares under load. Going back to an
 * earlier release after a deploy (docs/deploy.md) updates Product before Billing: until Billing's own tasks are
 * replaced, Product refuses a shared call of more ids than it takes, INVALID_ARGUMENT, which would fail every invoice
 * in it. Asked again in calls of GET_PRICES_FLOOR ids, which every release has taken, each invoice is still priced.
 */
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { GetPricesResponseSchema, type GetPricesResponse } from '../../contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { GET_PRICES_FLOOR, GET_PRICES_MAX_IDS } from '../../contracts/grpc/limits';

/**
 * A refusal that smaller calls may not get: a call of more ids than the floor, which this release's Product would
 * take. Beyond GET_PRICES_MAX_IDS the refusal is Billing's own mistake, and stands.
 */
export const refusedAsTooLarge = (error: unknown, asked: number): boolean =>
  error instanceof ConnectError && error.code === Code.InvalidArgument && asked > GET_PRICES_FLOOR && asked <= GET_PRICES_MAX_IDS;

/** `ids` asked in calls of at most GET_PRICES_FLOOR, at once; one answer, as a single call would have given it. */
export async function inSmallerCalls(ids: readonly string[], ask: (ids: readonly string[]) => Promise<GetPricesResponse>): Promise<GetPricesResponse> {
  const parts: Array<readonly string[]> = [];
  for (let at = 0; at < ids.length; at += GET_PRICES_FLOOR) parts.push(ids.slice(at, at + GET_PRICES_FLOOR));
  const answers = await Promise.all(parts.map(ask));
  return create(GetPricesResponseSchema, { prices: answers.flatMap((answer) => answer.prices), missingProductIds: answers.flatMap((answer) => answer.missingProductIds) });
}
