/**
 * GetPrices' limit has one home (services/contracts/grpc/limits.ts); the .proto, which callers in other languages
 * read, states it in words, and Billing's largest invoice must fit in a call with room to share.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_LINES } from '../../../../services/billing/domain/invoice';
import { GET_PRICES_MAX_IDS } from '../../../../services/contracts/grpc/limits';

const proto = readFileSync('services/contracts/grpc/proto/platform/product/v1/product_catalog.proto', 'utf8');

describe('GetPrices limit', () => {
  it('when the .proto states how many ids one call takes, then it states the contract\'s limit, each time it says it', () => {
    const stated = [...proto.matchAll(/up to (\d+) products|More than (\d+) distinct ids/g)].map((match) => Number(match[1] ?? match[2]));
    expect(stated).toEqual([GET_PRICES_MAX_IDS, GET_PRICES_MAX_IDS]);
  });

  it('when invoices of the most lines arrive together, then several fit in one shared call', () => {
    expect(Math.floor(GET_PRICES_MAX_IDS / MAX_LINES)).toBeGreaterThanOrEqual(2);
  });
});
