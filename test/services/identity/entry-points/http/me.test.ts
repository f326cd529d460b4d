import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseEvent } from '../../../../../services/contracts/events';
import { loginAs } from '../../../../support/auth';
import { createUserAndLogin } from '../../../../support/cognito';
import { decodeJwt, reforge } from '../../../../support/jwt-forge';
import { paidInvoiceUseCases } from '../../../../../services/identity/domain/paid-invoice-use-cases';
import {
  bearerOf,
  outboxEvents,
  paidInvoice,
  signIn,
  signUp,
  startIdentityHarness,
  type IdentityHarness,
  type IssuedTokens,
  type SignedUp,
  SIGNUP_PASSWORD,
} from '../../../../support/identity';

let harness: IdentityHarness;
let user: SignedUp;
let tokens: IssuedTokens;

beforeAll(async () => {
  harness = await startIdentityHarness();
  user = await signUp(harness.app, { name: 'Me Myself' });
  tokens = await signIn(harness.app, user.email);
});
afterAll(() => harness.close());

const me = (accessToken: string) => request(harness.app).get('/identity/me').set(bearerOf(accessToken));
const patchMe = (accessToken: string, body: unknown) => request(harness.app).patch('/identity/me').set(bearerOf(accessToken)).send(body as object);

describe('the paths Identity answers', () => {
  it.each(['/IDENTITY/ME', '/identity/Me', '/identity/me/'])('when the path is %s (another case, a trailing slash), then it answers 404, as the edge does', async (path) => {
    const res = await request(harness.app).get(path).set(bearerOf(tokens.accessToken));
    expect([res.status, res.body.type]).toEqual([404, 'urn:problem-type:platform:not-found']);
  });
});

describe('GET /identity/me', () => {
  it('when signed in, then it answers 200 with the profile, no groups and zero counters', async () => {
    const res = await me(tokens.accessToken);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      id: user.id,
      email: user.email,
      name: 'Me Myself',
      groups: [],
      createdAt: expect.any(String),
      paidInvoiceCount: 0,
      lifetimeSpendCents: 0,
    });
  });

  it('when the lifetime spend passes 2^53 cents, then it is answered exactly: a number up to 2^53 − 1, digits beyond', async () => {
    const rich = await signUp(harness.app);
    const richTokens = await signIn(harness.app, rich.email);
    const counters = paidInvoiceUseCases({ unitOfWork: harness.unitOfWork });
    await counters.recordInvoicePaid(paidInvoice(rich.id, Number.MAX_SAFE_INTEGER));
    expect((await me(richTokens.accessToken)).body.lifetimeSpendCents).toBe(Number.MAX_SAFE_INTEGER);
    await counters.recordInvoicePaid(paidInvoice(rich.id, 2));
    const res = await me(richTokens.accessToken);
    expect(res.status).toBe(200);
    // 2^53 + 1: as a JSON number it would read back as 2^53, one cent off, with nothing to tell.
    expect(res.text).toContain('"lifetimeSpendCents":"9007199254740993"');
    expect(res.body.paidInvoiceCount).toBe(2);
  });

  it('when the user is in a Cognito group, then groups come from the token', async () => {
    const grouped = await signUp(harness.app);
    const add = { UserPoolId: harness.cognito.userPoolId, Username: grouped.email, GroupName: harness.cognito.adminGroup };
    await harness.cognitoClient.send(new AdminAddUserToGroupCommand(add));
    const res = await me((await signIn(harness.app, grouped.email)).accessToken);
    expect(res.body.groups).toEqual(['admin']);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a token that is not a JWT', 'Bearer not.a.jwt'],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
  ])('when sent with %s, then it answers 401 with a Bearer challenge', async (_what, header) => {
    const req = request(harness.app).get('/identity/me');
    const res = await (header ? req.set('Authorization', header) : req);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

});

describe('a Cognito user who never signed up here', () => {
  const registeredEvents = async (userId: string) =>
    (await outboxEvents(harness.database)).filter((row) => row.type === 'identity.user.registered' && (row.payload.data as { userId?: string }).userId === userId);

  it('when the admin that npm start seeds reads /identity/me, then it gets a profile made from the directory, and one registered event', async () => {
    const { adminEmail, adminPassword } = harness.cognito;
    const admin = await signIn(harness.app, adminEmail, adminPassword);
    const res = await me(admin.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.any(String),
      email: adminEmail,
      name: adminEmail.split('@')[0],
      groups: ['admin'],
      createdAt: expect.any(String),
      paidInvoiceCount: 0,
      lifetimeSpendCents: 0,
    });
    expect((await me(admin.accessToken)).body).toEqual(res.body);
    expect(await registeredEvents(res.body.id)).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ data: { userId: res.body.id, email: adminEmail, name: res.body.name } }) }),
    ]);
  });

  it('when such a user renames itself first, then it gets its profile with the new name', async () => {
    const outsider = await loginAs();
    const res = await patchMe(outsider.accessToken, { name: 'Console User' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: outsider.sub, email: outsider.email, name: 'Console User' });
    expect((await me(outsider.accessToken)).body.name).toBe('Console User');
  });

  it('when its directory email is one Cognito took but signup would refuse (x!y@…), then it gets its profile and a registered event Billing can read', async () => {
    const outsider = await createUserAndLogin(inject('cognito'), { email: `x!y-${randomUUID()}@example.com` });
    const res = await me(outsider.accessToken);
    expect([res.status, res.body.email]).toEqual([200, outsider.email]);
    const [event, ...more] = await registeredEvents(outsider.sub);
    expect(more).toEqual([]);
    // What Billing's consumer does with it: one that fails here is dead-lettered, and no account ever opens.
    expect(parseEvent(event!.payload).data).toEqual({ userId: outsider.sub, email: outsider.email, name: res.body.name });
  });

  it('when several first calls arrive at once, then there is one profile and one registered event', async () => {
    const outsider = await loginAs();
    const answers = await Promise.all(Array.from({ length: 4 }, () => me(outsider.accessToken)));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect(await registeredEvents(outsider.sub)).toHaveLength(1);
  });

  it('when someone else sends a signup with its email first (409 email-taken), then it still gets its profile', async () => {
    const outsider = await loginAs();
    const signup = await request(harness.app).post('/identity/signup').send({ email: outsider.email, password: SIGNUP_PASSWORD, name: 'Mallory' });
    expect([signup.status, signup.body.type]).toEqual([409, 'urn:problem-type:platform:email-taken']);
    const res = await me(outsider.accessToken);
    expect([res.status, res.body.id]).toEqual([200, outsider.sub]);
  });

  const noteOnEmail = (email: string, note: { leaseHeld?: boolean; since?: 'before' | 'after'; sub?: string }) =>
    harness.database.pool.query(
      `INSERT INTO signup_claims (email, lease_until, orphan_since, orphan_sub)
       VALUES ($1, now() + $2 * interval '1 minute', now() + $3 * interval '1 hour', $4)`,
      [email, note.leaseHeld ? 1 : -1, note.since === undefined ? null : note.since === 'before' ? -1 : 1, note.sub ?? null],
    );

  type Note = Parameters<typeof noteOnEmail>[1];
  it.each<[string, Note]>([
    ['a signup holds the lease on its email', { leaseHeld: true }],
    ['a deletion that has not finished noted its sub', { sub: 'self' }],
    ['a signup that began before the user was made noted the time (the user may be its own, left by a crash)', { since: 'before' }],
  ])('when %s, then it gets no profile: 401', async (_, note) => {
    const outsider = await loginAs();
    await noteOnEmail(outsider.email, { ...note, sub: note.sub && outsider.sub });
    expect((await me(outsider.accessToken)).status).toBe(401);
    expect(await harness.unitOfWork.profiles.findById(outsider.sub)).toBeUndefined();
  });

  it.each<[string, Note]>([
    ['an expired lease whose notes say a signup began after the user was made', { since: 'after' }],
    ['a note of another user\'s sub', { sub: randomUUID() }],
  ])('when the claim row holds %s, then it gets its profile', async (_, note) => {
    const outsider = await loginAs();
    await noteOnEmail(outsider.email, note);
    expect((await me(outsider.accessToken)).status).toBe(200);
  });

  it('when its Cognito user is gone, then the token names no account: 401, and no profile is made', async () => {
    const outsider = await loginAs();
    await harness.identityProvider.deleteUser(outsider.email);
    expect((await me(outsider.accessToken)).status).toBe(401);
    expect(await harness.unitOfWork.profiles.findById(outsider.sub)).toBeUndefined();
  });
});

describe('PATCH /identity/me', () => {
  it('when the name changes, then it answers 200 with the whole profile and the change persists', async () => {
    const res = await patchMe(tokens.accessToken, { name: '  Renamed  ' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, email: user.email, name: 'Renamed', groups: [], paidInvoiceCount: 0 });
    expect((await me(tokens.accessToken)).body.name).toBe('Renamed');
  });

  it('when the name looks like SQL or carries unicode, then it is stored literally', async () => {
    const name = `'; UPDATE profiles SET name = 'pwned' WHERE '1'='1 — Zoë 🦄 \u{1F468}\u200D\u{1F469} \u05E9\u05DC\u05D5\u05DD\u200F`;
    expect((await patchMe(tokens.accessToken, { name })).body.name).toBe(name);
    expect((await me(tokens.accessToken)).body.name).toBe(name);
  });

  it.each([
    ['an empty body', {}, 'name'],
    ['an empty name', { name: '' }, 'name'],
    ['a name that is a number', { name: 5 }, 'name'],
    ['a null name', { name: null }, 'name'],
    ['a name of 201 characters', { name: 'n'.repeat(201) }, 'name'],
    ['a name with a NUL', { name: 'a\u0000b' }, 'name'],
    ['a name with a line break', { name: 'a\nb' }, 'name'],
    ['the email', { name: 'x', email: 'new@example.com' }, 'email'],
    ['the id', { name: 'x', id: '7c4a8d09-ca37-4e3b-9a2d-000000000000' }, 'id'],
    ['groups', { name: 'x', groups: ['admin'] }, 'groups'],
    ['paidInvoiceCount', { name: 'x', paidInvoiceCount: 99 }, 'paidInvoiceCount'],
    ['lifetimeSpendCents', { name: 'x', lifetimeSpendCents: 1 }, 'lifetimeSpendCents'],
    ['createdAt', { name: 'x', createdAt: '2020-01-01T00:00:00.000Z' }, 'createdAt'],
  ])('when the body has %s, then it answers 400 naming the field and changes nothing', async (_what, body, field) => {
    const before = (await me(tokens.accessToken)).body;
    const res = await patchMe(tokens.accessToken, body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    expect((await me(tokens.accessToken)).body).toEqual(before);
  });

  it('when the body is an array or not JSON, then it answers 400', async () => {
    expect((await patchMe(tokens.accessToken, [{ name: 'x' }])).status).toBe(400);
    const broken = await request(harness.app).patch('/identity/me').set(bearerOf(tokens.accessToken)).set('Content-Type', 'application/json').send('{');
    expect(broken.status).toBe(400);
  });

  it('when no token is sent, then it answers 401', async () => {
    expect((await request(harness.app).patch('/identity/me').send({ name: 'x' })).status).toBe(401);
  });
});

describe('an account from signup to deletion', () => {
  it('when a user signs up, signs in, reads, renames, refreshes and deletes, then the credentials stop working', async () => {
    const account = await signUp(harness.app, { name: 'Short Lived' });
    const issued = await signIn(harness.app, account.email);
    expect((await me(issued.accessToken)).body.name).toBe('Short Lived');
    expect((await patchMe(issued.accessToken, { name: 'Shorter Lived' })).status).toBe(200);
    const refreshed = await request(harness.app).post('/identity/token/refresh').send({ refreshToken: issued.refreshToken });
    expect(refreshed.status).toBe(200);
    expect((await me(refreshed.body.accessToken)).body.name).toBe('Shorter Lived');

    const deleted = await request(harness.app).delete('/identity/me').set(bearerOf(refreshed.body.accessToken));
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    const again = await request(harness.app).post('/identity/token').send({ email: account.email, password: account.password });
    expect(again.status).toBe(401);
    expect((await request(harness.app).post('/identity/token/refresh').send({ refreshToken: issued.refreshToken })).status).toBe(401);
    // The access token stays cryptographically valid until it expires, but names no account any more.
    expect((await me(issued.accessToken)).status).toBe(401);
    const { rows } = await harness.database.pool.query('SELECT 1 FROM profiles WHERE id = $1', [account.id]);
    expect(rows).toHaveLength(0);
  });

  it('when an account is deleted, then identity.user.deleted is in the outbox and the email can sign up again', async () => {
    const account = await signUp(harness.app);
    const issued = await signIn(harness.app, account.email);
    expect((await request(harness.app).delete('/identity/me').set(bearerOf(issued.accessToken))).status).toBe(204);
    const deletedEvents = (await outboxEvents(harness.database)).filter((row) => row.type === 'identity.user.deleted');
    expect(deletedEvents.map((row) => row.payload.data)).toContainEqual({ userId: account.id });
    const reborn = await signUp(harness.app, { email: account.email, name: 'Second Life' });
    expect(reborn.id).not.toBe(account.id);
  });

  it('when DELETE is repeated with the same token, then it answers 401 (the token was revoked) and emits one event', async () => {
    const account = await signUp(harness.app);
    const issued = await signIn(harness.app, account.email);
    const del = () => request(harness.app).delete('/identity/me').set(bearerOf(issued.accessToken));
    expect((await del()).status).toBe(204);
    const again = await del();
    expect(again.status).toBe(401);
    expect(again.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    const events = (await outboxEvents(harness.database)).filter((row) => (row.payload.data as { userId?: string }).userId === account.id);
    expect(events.map((row) => row.type)).toEqual(['identity.user.registered', 'identity.user.deleted']);
  });

  it('when an account is deleted, then every Identity route refuses its access tokens at once, the refreshed one too', async () => {
    const account = await signUp(harness.app);
    const issued = await signIn(harness.app, account.email);
    const refreshed = (await request(harness.app).post('/identity/token/refresh').send({ refreshToken: issued.refreshToken })).body.accessToken as string;
    expect((await request(harness.app).delete('/identity/me').set(bearerOf(issued.accessToken))).status).toBe(204);
    for (const token of [issued.accessToken, refreshed]) {
      expect((await me(token)).status).toBe(401);
      expect((await patchMe(token, { name: 'Ghost' })).status).toBe(401);
      expect((await request(harness.app).delete('/identity/me').set(bearerOf(token))).status).toBe(401);
    }
    const { rows } = await harness.database.pool.query('SELECT revoked_at FROM revoked_subjects WHERE sub = $1', [account.id]);
    expect(rows).toHaveLength(1);
  });

  it('when a Cognito user without a profile deletes itself, then it answers 204 and the user is gone', async () => {
    const outsider = await loginAs();
    const res = await request(harness.app).delete('/identity/me').set(bearerOf(outsider.accessToken));
    expect(res.status).toBe(204);
    expect(await harness.identityProvider.findUser(outsider.email)).toBeUndefined();
  });

  it('when its first /identity/me makes its profile while it deletes itself, then the deletion takes that profile too: identity.user.deleted follows, the email is free', async () => {
    const outsider = await loginAs();
    const { identityProvider } = harness;
    const signal = () => {
      let open!: () => void;
      return { reached: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    };
    // The first call is past its token check when the deletion starts, and makes the profile once the deletion is
    // past its database step (the token's revocation, no profile to delete) and before its directory step.
    const firstCallWaits = signal();
    const deletionAtDirectory = signal();
    const adopted = signal();
    const lookingUp = { ...identityProvider, findUser: async (...args: Parameters<typeof identityProvider.findUser>) => (firstCallWaits.open(), await deletionAtDirectory.reached, identityProvider.findUser(...args)) };
    const pausing = { ...identityProvider, signOutEverywhere: async (username: string) => (deletionAtDirectory.open(), await adopted.reached, identityProvider.signOutEverywhere(username)) };
    const firstCall = request(harness.appWith({ identityProvider: lookingUp })).get('/identity/me').set(bearerOf(outsider.accessToken)).then((res) => res);
    await firstCallWaits.reached;
    const deletion = request(harness.appWith({ identityProvider: pausing })).delete('/identity/me').set(bearerOf(outsider.accessToken)).then((res) => res);
    expect((await firstCall).status).toBe(200);
    adopted.open();
    expect((await deletion).status).toBe(204);

    expect(await harness.unitOfWork.profiles.findById(outsider.sub)).toBeUndefined();
    const events = (await outboxEvents(harness.database)).filter((row) => (row.payload.data as { userId?: string }).userId === outsider.sub);
    // Billing closes the account it opened; without the deleted event it stays open for a user who is gone.
    expect(events.map((row) => row.type)).toEqual(['identity.user.registered', 'identity.user.deleted']);
    const again = await request(harness.app).post('/identity/signup').send({ email: outsider.email, password: SIGNUP_PASSWORD, name: 'Again' });
    expect(again.status).toBe(201);
  });

  it('when a token names another user\'s username with a sub of its own (forgeable offline), then DELETE leaves that user alone', async () => {
    const victim = await signUp(harness.app);
    const victimTokens = await signIn(harness.app, victim.email);
    const { username } = decodeJwt(victimTokens.accessToken).payload as { username: string };
    const forged = reforge(tokens.accessToken, { sub: randomUUID(), username });
    expect((await request(harness.app).delete('/identity/me').set(bearerOf(forged))).status).toBe(204);
    expect((await harness.identityProvider.findUser(victim.email))?.sub).toBe(victim.id);
    expect((await me(victimTokens.accessToken)).status).toBe(200);
  });

  it('when DELETE has no token, then it answers 401 and nothing is deleted', async () => {
    expect((await request(harness.app).delete('/identity/me')).status).toBe(401);
    expect((await me(tokens.accessToken)).status).toBe(200);
  });
});
