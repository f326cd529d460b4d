/**
 * Every route the edge's table says needs a token, at its service's own port: the token is checked before the body
 * is read or parsed, as the gateway does (docs/gateway.md, "Order"), so both answer alike. Otherwise anyone who
 * reaches the port makes the service wait for, buffer and parse up to 1 MiB for nothing, and holds a connection for
 * its body deadline (30 s) with a few bytes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteDefinition } from '../../../services/contracts/routes';
import { JSON_BODY_LIMIT_BYTES } from '../../../services/kit/http/body-limit';
import { loginAs, type TestTokens } from '../../support/auth';
import { within } from '../../support/within';
import { startEdgePlatform, type EdgePlatform } from '../gateway/edge-platform';
import { openSocket, readAnswer, type RawAnswer } from '../kit/http/raw-http';

let platform: EdgePlatform;
let user: TestTokens;
let admin: TestTokens;

beforeAll(async () => {
  [platform, user, admin] = await Promise.all([startEdgePlatform(), loginAs(), loginAs({ admin: true })]);
}, 60_000);
afterAll(() => platform?.close());

const guarded = ROUTES.filter((route) => route.auth !== 'public');
const takesBody = (route: RouteDefinition) => ['POST', 'PUT', 'PATCH'].includes(route.method);
const target = (route: RouteDefinition) => route.path.replace(/\{[^}]+\}/g, randomUUID());
const CALLERS = [
  ['no token', ''],
  ['a token that is not one', 'Authorization: Bearer not.a.token\r\n'],
] as const;

/** Sends the head and the start of a body, never the rest; the answer must come without it. */
async function answerToUnfinished(url: string, route: RouteDefinition, framing: string, start: string, auth = ''): Promise<RawAnswer> {
  const socket = await openSocket(url);
  try {
    const answer = readAnswer(socket);
    socket.write(`${route.method} ${target(route)} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\n${framing}\r\n${start}`);
    return await within(5_000, `the answer of ${url} to ${route.method} ${route.path} before its body is complete`, answer);
  } finally {
    socket.destroy();
  }
}

/** The service's own port and the gateway in front of it, asked the same. */
const bothAnswers = (route: RouteDefinition, framing: string, start: string, auth: string) =>
  Promise.all([platform.services[route.service], platform.url].map((url) => answerToUnfinished(url, route, framing, start, auth)));

function expectUnauthorized(answer: RawAnswer) {
  expect(answer.status).toBe(401);
  expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(JSON.parse(answer.body)).toMatchObject({ status: 401, requestId: answer.headers['x-request-id'] });
}

describe.each(CALLERS)('a route the table guards, when the caller sends %s', (_who, auth) => {
  it.each(guarded)('when $method $path gets a malformed body not yet complete, then its service answers 401 at once, as the gateway does', async (route) => {
    const answers = await bothAnswers(route, `Content-Length: ${JSON_BODY_LIMIT_BYTES}\r\n`, '{"name": nope', auth);
    answers.forEach(expectUnauthorized);
  });

  it.each(guarded.filter(takesBody))('when $method $path gets a chunked body that goes on past 1 MiB, then its service answers 401 after the first chunk, as the gateway does', async (route) => {
    const chunk = `{"name":"${'x'.repeat(64 * 1024)}`;
    const answers = await bothAnswers(route, 'Transfer-Encoding: chunked\r\n', `${chunk.length.toString(16)}\r\n${chunk}\r\n`, auth);
    answers.forEach(expectUnauthorized);
  });
});

describe('a route the table guards, when the request expects 100-continue', () => {
  const head = (route: RouteDefinition, auth: string) =>
    `${route.method} ${target(route)} HTTP/1.1\r\nHost: x\r\n${auth}Expect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n`;

  it.each(guarded.filter(takesBody))('when $method $path is asked with no token, then the first answer is the 401, and no 100 Continue asks for the body', async (route) => {
    const socket = await openSocket(platform.services[route.service]);
    try {
      const first = readAnswer(socket);
      socket.write(head(route, ''));
      expectUnauthorized(await within(5_000, 'the first answer', first));
    } finally {
      socket.destroy();
    }
  });

  it.each(guarded.filter(takesBody))('when $method $path is asked by a caller who may use it, then 100 Continue comes, and its body is read', async (route) => {
    const socket = await openSocket(platform.services[route.service]);
    try {
      const interim = readAnswer(socket);
      socket.write(head(route, `Authorization: Bearer ${(route.auth === 'admin' ? admin : user).accessToken}\r\n`));
      expect((await within(5_000, 'the interim answer', interim)).status).toBe(100);
      const final = readAnswer(socket);
      socket.write('{"name": nope');
      expect((await within(5_000, 'the final answer', final)).status).toBe(400);
    } finally {
      socket.destroy();
    }
  });
});

describe('a route the table keeps for admins, when a signed-in user outside the group calls it', () => {
  it.each(guarded.filter((route) => route.auth === 'admin'))('when $method $path gets a body not yet complete, then its service answers 403 at once', async (route) => {
    const answer = await answerToUnfinished(platform.services[route.service], route, `Content-Length: ${JSON_BODY_LIMIT_BYTES}\r\n`, '{"name":', `Authorization: Bearer ${user.accessToken}\r\n`);
    expect([answer.status, answer.headers['content-type']]).toEqual([403, 'application/problem+json; charset=utf-8']);
  });
});

describe('a route the table guards, when its caller may use it', () => {
  const tokenFor = (route: RouteDefinition) => (route.auth === 'admin' ? admin : user).accessToken;

  it.each(guarded.filter(takesBody))('when $method $path gets malformed JSON, then it still answers 400 malformed-json, through the gateway too', async (route) => {
    for (const base of [platform.services[route.service], platform.url]) {
      const res = await fetch(`${base}${target(route)}`, {
        method: route.method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(route)}` },
        body: '{"name": nope',
      });
      expect([res.status, res.headers.get('content-type')]).toEqual([400, 'application/problem+json; charset=utf-8']);
      expect(await res.json()).toMatchObject({ type: 'urn:problem-type:platform:malformed-json' });
    }
  });
});

describe('a public route that takes a body (sign-up, sign-in, refresh)', () => {
  it.each(ROUTES.filter((route) => route.auth === 'public' && takesBody(route)))('when $method $path gets malformed JSON, then it still parses it and answers 400', async (route) => {
    const res = await fetch(`${platform.services[route.service]}${route.path}`, { method: route.method, headers: { 'content-type': 'application/json' }, body: '{"email": nope' });
    expect([res.status, ((await res.json()) as { type: string }).type]).toEqual([400, 'urn:problem-type:platform:malformed-json']);
  });
});
