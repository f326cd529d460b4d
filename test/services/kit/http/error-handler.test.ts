import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { z } from 'zod';
import { REQUEST_LOG } from '../../../../services/contracts/server-faults';
import { AppError } from '../../../../services/kit/errors';
import { errorHandler } from '../../../../services/kit/http/error-handler';

/** The error handler's log lines for a request that fails with `error`, as pino writes them. */
async function failedRequestLines(error: unknown): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const logger = pino({ level: 'debug', base: { service: 'billing' } }, { write: (line: string) => lines.push(line) });
  const app = express();
  app.get('/boom', () => {
    throw error;
  });
  app.use(errorHandler(logger));
  await request(app).get('/boom');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === REQUEST_LOG.message);
}

describe('the line a failed request leaves in the log (what the deployment alarm counts)', () => {
  it('when a route throws a bug, then one line says so with status 500 and the service, as the metric filter reads it', async () => {
    const [line, ...more] = await failedRequestLines(new TypeError('x is undefined'));
    expect(more).toEqual([]);
    expect(line).toMatchObject({ [REQUEST_LOG.statusField]: 500, [REQUEST_LOG.faultField]: true, [REQUEST_LOG.serviceField]: 'billing', level: 50 });
  });

  it('when a dependency is down (503), then its line says 503 and is no fault, which the deployment alarm does not count', async () => {
    const [line] = await failedRequestLines(AppError.unavailable('Product is down.', 1));
    expect(line?.[REQUEST_LOG.statusField]).toBe(503);
    expect(line).not.toHaveProperty(REQUEST_LOG.faultField);
  });

  it('when a statement ran past its time limit, then the client gets 503, and the line is a fault: more often a slow query of the release than the database', async () => {
    const slow = Object.assign(new pg.DatabaseError('canceling statement due to statement timeout', 0, 'error'), { code: '57014' });
    const [line] = await failedRequestLines(new Error('Failed query: select …', { cause: slow }));
    expect(line).toMatchObject({ [REQUEST_LOG.statusField]: 503, [REQUEST_LOG.faultField]: true });
  });

  it('when a check of the server\'s own data fails (a ZodError: an event it produces breaks the catalogue), then it is a 500 fault, not a 400 blaming the request', async () => {
    // parseInput turns a client's bad input into an AppError itself; a bare ZodError can only come from inside.
    const ownCheck = z.strictObject({ email: z.email() }).safeParse({ email: 'x!y@example.com' }).error;
    const [line] = await failedRequestLines(ownCheck);
    expect(line).toMatchObject({ [REQUEST_LOG.statusField]: 500, [REQUEST_LOG.faultField]: true });
  });

  it('when the client is at fault (4xx), then no failed-request line is written', async () => {
    expect(await failedRequestLines(AppError.badRequest('no'))).toEqual([]);
  });
});

describe('the answer to a failed request', () => {
  it.each([
    ['a client error (400)', AppError.badRequest('no')],
    ['a missing resource (404)', AppError.notFound('Product p does not exist.')],
    ['a bug (500)', new TypeError('x is undefined')],
  ])('when a route fails with %s, then the problem carries Cache-Control: no-store, as every error does', async (_, error) => {
    const app = express();
    app.get('/boom', () => {
      throw error;
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    const response = await request(app).get('/boom');
    expect(response.headers['cache-control']).toBe('no-store');
  });
});
