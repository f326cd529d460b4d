import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs } from '../../../../support/auth';
import { uniqueEmail } from '../../../../support/cognito';
import {
  outboxEvents,
  signIn,
  SIGNUP_PASSWORD,
  startIdentityHarness,
  type IdentityHarness,
} from '../../../../support/identity';

let harness: IdentityHarness;

beforeAll(async () => {
  harness = await startIdentityHarness();
});
afterAll(() => harness.close());

const signup = (body: object) => request(harness.app).post('/identity/signup').send(body);
const valid = () => ({ email: uniqueEmail('signup'), password: SIGNUP_PASSWORD, name: 'Grace Hopper' });

describe('POST /identity/signup', () => {
  it('when the body is valid, then it answers 201 with exactly id, email, name and createdAt', async () => {
    const body = valid();
    const res = await signup(body);
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'email', 'id', 'name']);
    expect(res.body).toMatchObject({ email: body.email, name: 'Grace Hopper' });
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
  });

  it('when signed up, then the user signs in at once and the token names the profile id as sub', async () => {
    const body = valid();
    const { id } = (await signup(body)).body as { id: string };
    const tokens = await signIn(harness.app, body.email, body.password);
    const payload = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1]!, 'base64url').toString('utf8'));
    expect(payload.sub).toBe(id);
  });

  it('when the email has capitals and spaces, then it is stored trimmed and lower-case', async () => {
    const email = uniqueEmail('Mixed');
    const res = await signup({ ...valid(), email: `  ${email.toUpperCase()} ` });
    expect(res.status).toBe(201);
    expect(res.body.email).toBe(email.toLowerCase());
    await expect(signIn(harness.app, email.toLowerCase())).resolves.toHaveProperty('accessToken');
  });

  it('when a signup succeeds, then identity.user.registered is in the outbox with the profile data', async () => {
    const body = valid();
    const { id } = (await signup(body)).body as { id: string };
    const event = (await outboxEvents(harness.database)).find((row) => (row.payload.data as { userId?: string }).userId === id);
    expect(event?.type).toBe('identity.user.registered');
    expect(event?.payload).toMatchObject({
      specversion: '1.0',
      type: 'identity.user.registered',
      source: '/identity',
      subject: id,
      data: { userId: id, email: body.email, name: body.name },
    });
  });

  it('when the email is taken, also in other letter case, then it answers 409 and emits nothing more', async () => {
    const body = valid();
    expect((await signup(body)).status).toBe(201);
    const before = (await outboxEvents(harness.database)).length;
    const again = await signup({ ...body, email: body.email.toUpperCase(), name: 'Someone Else' });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, title: 'Conflict' });
    expect((await outboxEvents(harness.database)).length).toBe(before);
  });

  it('when two signups with one email race, then one answers 201 and the other 409', async () => {
    const body = valid();
    const answers = await Promise.all([signup(body), signup({ ...body, name: 'Twin' })]);
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409]);
    const winner = answers.find((res) => res.status === 201)!;
    await expect(signIn(harness.app, body.email)).resolves.toHaveProperty('accessToken');
    const { rows } = await harness.database.pool.query('SELECT id FROM profiles WHERE email = $1', [body.email]);
    expect(rows).toEqual([{ id: winner.body.id }]);
  });

  it('when Cognito has the email for a user made outside signup, then it answers 409 and leaves that user alone', async () => {
    const other = await loginAs();
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await signup({ ...valid(), email: other.email })).status).toBe(409);
    }
    const res = await request(harness.app).post('/identity/token').send({ email: other.email, password: other.password });
    expect(res.status).toBe(200);
  });

  it('when the name looks like SQL or carries unicode, then it is stored literally (trimmed)', async () => {
    const name = "Robert'); DROP TABLE profiles;-- 🚀 ñandú 漢字 %_\\";
    const res = await signup({ ...valid(), name: `  ${name}  ` });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(name);
    const { rows } = await harness.database.pool.query('SELECT name FROM profiles WHERE id = $1', [res.body.id]);
    expect(rows[0].name).toBe(name);
  });

  it('when the name is 200 characters of emoji, then it is accepted (characters, not UTF-16 units)', async () => {
    const res = await signup({ ...valid(), name: '🚀'.repeat(200) });
    expect(res.status).toBe(201);
  });
});

describe('POST /identity/signup with bad input', () => {
  it('when the email is 128 characters long, the most a Cognito user name may be, then it signs up and signs in', async () => {
    const email = `${randomUUID().replaceAll('-', '').slice(0, 16)}${'a'.repeat(44)}@${'b'.repeat(63)}.com`;
    expect(email).toHaveLength(128);
    const res = await request(harness.app).post('/identity/signup').send({ email, password: SIGNUP_PASSWORD, name: 'Long' });
    expect(res.status).toBe(201);
    expect((await request(harness.app).post('/identity/token').send({ email, password: SIGNUP_PASSWORD })).status).toBe(200);
  });

  it('when the body is not JSON, then it answers 400 problem', async () => {
    const res = await request(harness.app).post('/identity/signup').set('Content-Type', 'application/json').send('{"email":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it.each([
    ['a read-only id', { id: '7c4a8d09-ca37-4e3b-9a2d-000000000000' }, 'id'],
    ['a read-only createdAt', { createdAt: '2020-01-01T00:00:00.000Z' }, 'createdAt'],
    ['groups', { groups: ['admin'] }, 'groups'],
    ['paidInvoiceCount', { paidInvoiceCount: 5 }, 'paidInvoiceCount'],
    ['an unknown field', { nickname: 'x' }, 'nickname'],
    ['an email that is a number', { email: 42 }, 'email'],
    ['an email without @', { email: 'not-an-email' }, 'email'],
    ['an email without a domain dot', { email: 'a@b' }, 'email'],
    ['two @', { email: 'a@@example.com' }, 'email'],
    ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
    ['an email of 129 characters (Cognito\'s user names, which the emails are, stop at 128)', { email: `${'a'.repeat(60)}@${'b'.repeat(64)}.com` }, 'email'],
    ['a name that is an array', { name: ['x'] }, 'name'],
    ['an empty name', { name: '' }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a name of 201 characters', { name: 'x'.repeat(201) }, 'name'],
    ['a name with a NUL', { name: 'a\u0000b' }, 'name'],
    ['a name with an escape character', { name: 'a\u001bb' }, 'name'],
    ['a name with a lone surrogate', { name: 'a\ud800b' }, 'name'],
    // It would go into identity.user.registered, which SQS cannot carry (kit/http/text-fields.ts).
    ['a name with the noncharacter U+FFFF', { name: 'a\uffffb' }, 'name'],
    ['a name that starts with a tab (refused, not trimmed away)', { name: '\tAnn' }, 'name'],
    // Shown in another order, or looking like another name (kit/http/text-fields.ts).
    ['a name with a right-to-left override (U+202E)', { name: 'Ann\u202Eeel' }, 'name'],
    ['a name that ends with a zero width space (U+200B), where it parts no words', { name: 'Ann\u200B' }, 'name'],
    ['a name that ends with a byte order mark (U+FEFF; refused, not trimmed away)', { name: 'Ann\uFEFF' }, 'name'],
    ['a name that ends with a line break', { name: 'Ann\n' }, 'name'],
    ['an email that ends with a line break', { email: 'ann@example.com\n' }, 'email'],
    ['an email that starts with a NUL', { email: '\u0000ann@example.com' }, 'email'],
    ['a password with a lone surrogate', { password: 'Passw0rd!\udc00' }, 'password'],
    ['a password with a NUL', { password: 'Passw0rd!\u0000' }, 'password'],
    ['a password with a control character', { password: 'Pass\u0007w0rd!' }, 'password'],
    ['a short password', { password: 'Ab1!' }, 'password'],
    ['a password without a digit', { password: 'Password!!' }, 'password'],
    ['a password without a symbol', { password: 'Passw0rdxx' }, 'password'],
    ['a password without upper case', { password: 'passw0rd!!' }, 'password'],
    ['a password with a leading space', { password: ' Passw0rd!!' }, 'password'],
    ['a password that is a number', { password: 12345678 }, 'password'],
  ])('when the body has %s, then it answers 400 naming the field', async (_what, change, field) => {
    const res = await signup({ ...valid(), ...change });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });

  it.each([['email'], ['password'], ['name']])('when %s is missing, then it answers 400 saying it is required', async (field) => {
    const body: Record<string, unknown> = valid();
    delete body[field];
    const res = await signup(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: field, message: 'is required' }]);
  });

  it('when the password is rejected, then no Cognito user is created and the email stays free', async () => {
    const body = valid();
    expect((await signup({ ...body, password: 'weak' })).status).toBe(400);
    expect(await harness.identityProvider.findUser(body.email)).toBeUndefined();
    expect((await signup(body)).status).toBe(201);
  });
});
