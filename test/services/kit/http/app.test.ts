import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../../../services/kit/errors';
import { createHttpApp } from '../../../../services/kit/http/app';
import { jsonBody } from '../../../../services/kit/http/json-body';
import { startedAfter } from '../../../../services/kit/http/health';
import { parseInput } from '../../../../services/kit/http/validate';
import { testLogger } from '../../../support/silent-logger';

function sampleApp(ready = async () => true, started = () => true) {
  const routes = Router();
  routes.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  routes.post('/things', jsonBody, (req, res) => {
    res.status(201).json(parseInput(z.strictObject({ name: z.string() }), req.body));
  });
  routes.get('/boom', () => {
    throw new Error('secret internals at /srv/app.ts:42');
  });
  routes.get('/teapot', () => {
    throw AppError.unavailable('Upstream is down.', 7);
  });
  return createHttpApp({ logger: testLogger, routes, ready, started, accessLog: false });
}

const app = sampleApp();

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(res.body).toMatchObject({ status, instance: expect.any(String), requestId: res.headers['x-request-id'] });
  expect(res.body.type).toMatch(/^urn:problem-type:platform:/);
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
}

describe('the HTTP app factory', () => {
  it('when the caller sends a sane request id, then it is echoed back', async () => {
    const res = await request(app).get('/things/1').set('x-request-id', 'abc.DEF_123-x');
    expect(res.headers['x-request-id']).toBe('abc.DEF_123-x');
  });

  it.each([['too long', 'a'.repeat(129)], ['bad characters', 'id with spaces'], ['injection', 'x\\"}{']])(
    'when the request id is %s, then a fresh UUID replaces it',
    async (_what, id) => {
      const res = await request(app).get('/things/1').set('x-request-id', id);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    },
  );

  it('when the path is unknown, then it answers a 404 problem', async () => {
    expectProblem(await request(app).get('/nowhere'), 404);
  });

  it('when the method is wrong for a known path, then it answers 405 with Allow', async () => {
    const res = await request(app).delete('/things/1');
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('when the JSON is malformed, then it answers 400 and not 500', async () => {
    const res = await request(app).post('/things').set('content-type', 'application/json').send('{"name": ');
    expectProblem(res, 400);
    expect(res.body.detail).toMatch(/JSON/);
  });

  it('when the body is over 1 MiB, then it answers 413', async () => {
    const res = await request(app).post('/things').send({ name: 'x'.repeat(1024 * 1024 + 1) });
    expectProblem(res, 413);
  });

  it('when the body fails validation, then it answers 400 with errors', async () => {
    const res = await request(app).post('/things').send({ name: 3, extra: true });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'name' }), expect.objectContaining({ path: 'extra' })]),
    );
  });

  it('when a route throws an unexpected error, then it answers 500 without leaking internals', async () => {
    const res = await request(app).get('/boom');
    expectProblem(res, 500);
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });

  it('when an AppError carries headers, then they are sent', async () => {
    const res = await request(app).get('/teapot');
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('7');
  });

  it('when any response is sent, then security headers are set and Express is not advertised', async () => {
    const res = await request(app).get('/things/1');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('the health routes', () => {
  it.each(['/health/live', '/health/ready', '/health/started'])('when %s is asked with another method, then it answers 405 with Allow, as every route does', async (path) => {
    for (const method of ['post', 'options', 'delete'] as const) {
      const res = await request(app)[method](path);
      expectProblem(res, 405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });

  it('when a wrong method or an unknown path comes with a body that cannot be read, then the route\'s answer (405, 404) comes first', async () => {
    const bad = (req: request.Test) => req.set('content-type', 'application/json').send('{oops');
    expect((await bad(request(app).post('/health/live'))).status).toBe(405);
    expect((await bad(request(app).post('/nowhere'))).status).toBe(404);
    expect((await bad(request(app).post('/things'))).status).toBe(400);
  });

  it.each(['/HEALTH/LIVE', '/health/live/'])('when the path is %s, then it answers 404', async (path) => {
    expectProblem(await request(app).get(path), 404);
  });

  it('when the process runs, then /health/live answers 200', async () => {
    expect((await request(app).get('/health/live')).status).toBe(200);
  });

  it('when the database answers, then /health/ready answers 200', async () => {
    expect((await request(app).get('/health/ready')).status).toBe(200);
  });

  it('when the database does not answer, then /health/ready answers 503', async () => {
    const down = sampleApp(async () => {
      throw new Error('connection refused');
    });
    expectProblem(await request(down).get('/health/ready'), 503);
  });

  it('when it has started but the database does not answer, then /health/started still answers 200, so the balancer keeps the task', async () => {
    const down = sampleApp(async () => {
      throw new Error('connection refused');
    }, () => true);
    expect((await request(down).get('/health/started')).status).toBe(200);
    expectProblem(await request(down).get('/health/ready'), 503);
  });

  it('when it has not started, then /health/started answers 503 with Retry-After, and the reason its check gives', async () => {
    const res = await request(sampleApp(async () => true, () => false)).get('/health/started');
    expectProblem(res, 503);
    expect(res.body).toMatchObject({ detail: 'It has not finished starting.' });
    expect(res.headers['retry-after']).toBe('5');
    const migrating = startedAfter({ done: () => false, whileRunning: 'Migrations are running.' });
    expect((await request(sampleApp(async () => true, migrating)).get('/health/started')).body).toMatchObject({ detail: 'Migrations are running.' });
  });
});
