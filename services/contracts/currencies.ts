/**
 * The ISO 4217 codes money can be in (docs/product.md, "The catalogue's rules": ISO 4217), stated once: Product refuses a
 * price in any other code, and Billing refuses a price list that carries one, so both sides read the same set.
 *
 * The currencies in use, as CLDR lists them (`Intl.supportedValuesOf`, from the ICU data Node ships and updates;
 * 162 codes with Node 22 and 24, XCG and ZWG included). ISO's fund, precious metal and testing codes (BOV, XAU, XTS,
 * XXX, …) are not there, rightly: nothing is priced in them. Nor is VED, Venezuela's digital bolívar; prices there
 * are in VES.
 */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isCurrencyCode(code: string): boolean {
  return CURRENCIES.has(code);
}
