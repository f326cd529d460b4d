/**
 * A product's name is one line of text as it will be shown: no bidirectional control that would show it in another
 * order, no invisible character that would make it look like another name; but the joiners and marks that scripts
 * and emoji need are kept (services/kit/http/text-fields.ts).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type TestTokens } from '../../../../support/auth';
import { startProductHarness, type ProductHarness } from '../../../../support/product';

let harness: ProductHarness;
let admin: TestTokens;

beforeAll(async () => {
  harness = await startProductHarness();
  admin = await loginAs({ admin: true });
});
afterAll(() => harness.close());

let skuCounter = 0;
const newSku = () => `TEXT-${process.pid}-${++skuCounter}`;
const asAdmin = () => ({ Authorization: `Bearer ${admin.accessToken}` });
const create = (name: string) => request(harness.app).post('/products').set(asAdmin()).send({ sku: newSku(), name, priceCents: 100 });

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const PERSIAN_I_WANT = '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645';

describe('the text of a product name', () => {
  it.each([
    ['a right-to-left override (U+202E), so that it would read "Invoiceexe.pdf"', 'Invoice\u202Efdp.exe', 'bidirectional controls'],
    ['a first strong isolate (U+2068) left open', 'Widget\u2068', 'bidirectional controls'],
    ['a zero width space (U+200B), so that it would look like "Widget"', 'Wid\u200Bget', 'invisible characters'],
    ['a byte order mark (U+FEFF) at the start, refused, not trimmed away', '\uFEFFWidget', 'invisible characters'],
  ])('when a create sends a name with %s, then it answers 400 problem+json naming the field', async (_what, name, reason) => {
    const res = await create(name);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, requestId: res.headers['x-request-id'] });
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'name', message: expect.stringContaining(reason) })]);
  });

  it('when a change sends a name with a left-to-right override (U+202D), then it answers 400 and the product keeps its name', async () => {
    const created = await create('Clean');
    const res = await request(harness.app).patch(`/products/${created.body.id}`).set(asAdmin()).send({ name: 'Dirty\u202Dtxt' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
    expect((await request(harness.app).get(`/products/${created.body.id}`)).body.name).toBe('Clean');
  });

  // Each beside the same name with a refused neighbour in place of its joiner or mark: the line runs between them.
  it.each([
    ['a family emoji joined by ZWJ (U+200D)', `Gift set ${FAMILY}`, `Gift set ${FAMILY.replaceAll('\u200D', '\u200B')}`],
    ['Persian with a ZWNJ (U+200C)', PERSIAN_I_WANT, PERSIAN_I_WANT.replace('\u200C', '\u2060')],
    ['Hebrew with a right-to-left mark (U+200F)', '\u05DE\u05D5\u05E6\u05E8 42\u200F', '\u05DE\u05D5\u05E6\u05E8 42\u202B'],
  ])('when a create sends a name with %s, then it is stored and returned exactly, and the look-alike with an invisible or bidirectional control is refused', async (_what, kept, refused) => {
    const res = await create(kept);
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(kept);
    expect((await request(harness.app).get(`/products/${res.body.id}`)).body.name).toBe(kept);
    expect((await create(refused)).status).toBe(400);
  });
});
