/**
 * A product's name is one line of text as it will be shown: no bidirectional control that would show it in another
 * order, no invisible character that would make it look like another name; but the joiners and marks that scripts
 * and emoji need are kept, and so are the zero width space and soft hyphen between letters (services/kit/text.ts).
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
    ['a zero width space (U+200B) at its end, so that it would look like "Widget"', 'Widget\u200B', 'must not begin or end with'],
    ['a word joiner (U+2060), so that it would look like "Widget"', 'Wid\u2060get', 'invisible characters'],
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
    ['a family emoji joined by ZWJ (U+200D)', `Gift set ${FAMILY}`, `Gift set ${FAMILY.replaceAll('\u200D', '\u2060')}`],
    ['Persian with a ZWNJ (U+200C)', PERSIAN_I_WANT, PERSIAN_I_WANT.replace('\u200C', '\u2060')],
    ['Hebrew with a right-to-left mark (U+200F)', '\u05DE\u05D5\u05E6\u05E8 42\u200F', '\u05DE\u05D5\u05E6\u05E8 42\u202B'],
  ])('when a create sends a name with %s, then it is stored and returned exactly, and the look-alike with an invisible or bidirectional control is refused', async (_what, kept, refused) => {
    const res = await create(kept);
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(kept);
    expect((await request(harness.app).get(`/products/${res.body.id}`)).body.name).toBe(kept);
    expect((await create(refused)).status).toBe(400);
  });

  // Thai, Khmer, Lao and Burmese put no spaces between words: U+200B marks where one ends; U+00AD where a word may break.
  it.each([
    ['Thai, "good coffee shop", its words parted by zero width spaces', '\u0E23\u0E49\u0E32\u0E19\u200B\u0E01\u0E32\u0E41\u0E1F\u200B\u0E14\u0E35'],
    ['Burmese, "Myanmar", parted by a zero width space', '\u1019\u103C\u1014\u103A\u1019\u102C\u200B\u1014\u102D\u102F\u1004\u103A\u1004\u1036'],
    ['a long German word with soft hyphens (U+00AD) where it may break', 'Donau\u00ADdampf\u00ADschiff\u00ADfahrt'],
  ])('when a create sends a name in %s, then it is stored and returned exactly', async (_what, name) => {
    const res = await create(name);
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(name);
    expect((await request(harness.app).get(`/products/${res.body.id}`)).body.name).toBe(name);
  });

  it('when a change sends a Khmer name parted by a zero width space, then it answers 200 and the product keeps it', async () => {
    const kingdomOfCambodia = '\u1796\u17D2\u179A\u17C7\u179A\u17B6\u1787\u17B6\u178E\u17B6\u1785\u1780\u17D2\u179A\u200B\u1780\u1798\u17D2\u1796\u17BB\u1787\u17B6';
    const created = await create('Plain');
    const res = await request(harness.app).patch(`/products/${created.body.id}`).set(asAdmin()).send({ name: kingdomOfCambodia });
    expect(res.status).toBe(200);
    expect((await request(harness.app).get(`/products/${created.body.id}`)).body.name).toBe(kingdomOfCambodia);
  });
});
