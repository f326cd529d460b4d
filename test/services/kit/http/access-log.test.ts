import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { accessLog } from '../../../../services/kit/http/access-log';

/** The access log of a tiny app, as pino writes it at debug and above. */
async function linesFor(paths: readonly string[]): Promise<Array<{ level: number; url: string; status: number }>> {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const app = express();
  app.use(accessLog(logger));
  app.get('/health/live', (_req, res) => res.json({ status: 'ok' }));
  app.get('/health/ready', (_req, res) => res.status(503).json({ status: 'not ready' }));
  app.get('/healthy-things', (_req, res) => res.json([]));
  for (const path of paths) await request(app).get(path);
  return lines.map((line) => JSON.parse(line) as { level: number; url: string; status: number });
}

describe('the access log', () => {
  it('when a probe asks /health/live or /health/ready, then its line is at debug, so probes do not fill the log', async () => {
    const lines = await linesFor(['/health/live', '/health/ready', '/health/ready?x=1']);
    expect(lines.map((l) => [l.url, l.level])).toEqual([['/health/live', 20], ['/health/ready', 20], ['/health/ready?x=1', 20]]);
  });

  it('when any other path is asked, even one that starts alike, then its line is at info', async () => {
    const lines = await linesFor(['/healthy-things', '/health/other']);
    expect(lines.map((l) => [l.url, l.level, l.status])).toEqual([['/healthy-things', 30, 200], ['/health/other', 30, 404]]);
  });

  it('when the client leaves before the answer, then the request still gets its line, with aborted and no status', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const client = new AbortController();
    const app = express();
    app.use(accessLog(logger));
    // As a sign-in: the client leaves once it has arrived, and the work goes on (Cognito is asked) without it.
    app.post('/identity/token', (_req, res) => {
      client.abort();
      setTimeout(() => res.status(401).json({}), 200);
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      await expect(fetch(`http://127.0.0.1:${port}/identity/token`, { method: 'POST', signal: client.signal })).rejects.toThrow();
      await expect.poll(() => lines.length, { timeout: 5_000 }).toBe(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ url: '/identity/token', status: null, aborted: true, level: 30 });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
