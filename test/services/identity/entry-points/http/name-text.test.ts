/**
 * A user's name is one line of text as it will be shown, in any script: the zero width space that parts Thai,
 * Khmer, Lao and Burmese words and the soft hyphen of a long word are kept between letters, and refused at either
 * end, where they would only make a look-alike (services/kit/text.ts). Bidirectional controls and the other
 * invisible characters stay refused anywhere (signup.test.ts).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../../../../support/cognito';
import { bearerOf, outboxEvents, signIn, signUp, SIGNUP_PASSWORD, startIdentityHarness, type IdentityHarness, type IssuedTokens } from '../../../../support/identity';

let harness: IdentityHarness;
let tokens: IssuedTokens;

beforeAll(async () => {
  harness = await startIdentityHarness();
  tokens = await signIn(harness.app, (await signUp(harness.app, { name: 'Before' })).email);
});
afterAll(() => harness.close());

const signup = (name: string) => request(harness.app).post('/identity/signup').send({ email: uniqueEmail('name-text'), password: SIGNUP_PASSWORD, name });
const patchMe = (name: string) => request(harness.app).patch('/identity/me').set(bearerOf(tokens.accessToken)).send({ name });

/** Somchai Jaidee, the Thai "John Smith", with its two words parted by U+200B as Thai text parts them. */
const SOMCHAI_JAIDEE = '\u0E2A\u0E21\u0E0A\u0E32\u0E22\u200B\u0E43\u0E08\u0E14\u0E35';
/** A Khmer name, Sok Sambath, parted by U+200B. */
const SOK_SAMBATH = '\u179F\u17BB\u1781\u200B\u179F\u17C6\u1794\u178F\u17D2\u178F\u17B7';

describe('the text of a user name', () => {
  it('when a signup sends a Thai name whose words are parted by a zero width space, then it is stored and returned exactly, and the registered event carries it', async () => {
    const res = await signup(SOMCHAI_JAIDEE);
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(SOMCHAI_JAIDEE);
    const event = (await outboxEvents(harness.database)).find((row) => (row.payload.data as { userId?: string }).userId === res.body.id);
    expect(event?.payload.data).toMatchObject({ name: SOMCHAI_JAIDEE });
  });

  it.each([
    ['a Khmer name parted by a zero width space', SOK_SAMBATH],
    ['a German surname with a soft hyphen (U+00AD) where it may break', 'Sabine Leutheusser-Schnarren\u00ADberger'],
  ])('when a change sends %s, then it answers 200 and the profile keeps it exactly', async (_what, name) => {
    const res = await patchMe(name);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(name);
    expect((await request(harness.app).get('/identity/me').set(bearerOf(tokens.accessToken))).body.name).toBe(name);
  });

  it.each([
    ['a signup', 'a zero width space at its start, where it parts no words', () => signup('\u200BAnn')],
    ['a signup', 'nothing but a soft hyphen', () => signup('\u00AD')],
    ['a change', 'a soft hyphen at its end, before spaces the trim cuts', () => patchMe('Ann\u00AD  ')],
  ])('when %s sends a name with %s, then it answers 400 problem+json naming the field, as there it only makes a look-alike', async (_who, _what, send) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, requestId: res.headers['x-request-id'] });
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'name', message: expect.stringContaining('must not begin or end with') })]);
  });
});
