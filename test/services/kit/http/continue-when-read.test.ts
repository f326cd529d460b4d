/**
 * 100 Continue when a service reads the body (continue-when-read.ts): a client that expects it sends nothing until
 * asked, so every body the reader takes must be asked for, or client and server wait for each other until the
 * request deadline. A gzip body's declared length is not the length the limit counts (its inflated one), so a
 * compressed body just past 1 MiB can be a body the service takes.
 */
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../../../services/kit/http/app';
import { JSON_BODY_LIMIT_BYTES } from '../../../../services/kit/http/body-limit';
import { jsonBody } from '../../../../services/kit/http/json-body';
import { serve, type RunningServer } from '../../../../services/kit/http/serve';
import { testLogger } from '../../../support/silent-logger';
import { within } from '../../../support/within';
import { openSocket, readAnswer } from './raw-http';

let server: RunningServer;
beforeAll(async () => {
  const routes = Router();
  routes.post('/things', jsonBody, (req, res) => {
    res.status(201).json({ chars: (req.body as { text: string }).text.length });
  });
  server = await serve(createHttpApp({ logger: testLogger, routes, ready: async () => true, started: () => true, accessLog: false }), {
    port: 0,
    host: '127.0.0.1',
    logger: testLogger,
  });
});
afterAll(() => server.close());

describe('a request that expects 100-continue', () => {
  it('when its gzip body declares a little over 1 MiB and inflates to less, then 100 Continue asks for it, and the service takes it', async () => {
    // Stored blocks (level 0): the compressed body is the JSON plus framing, so it passes the limit that the JSON does not.
    const json = Buffer.from(JSON.stringify({ text: 'x'.repeat(JSON_BODY_LIMIT_BYTES - 40) }));
    const gzip = gzipSync(json, { level: 0 });
    expect([json.length <= JSON_BODY_LIMIT_BYTES, gzip.length > JSON_BODY_LIMIT_BYTES]).toEqual([true, true]);
    const socket = await openSocket(server.url);
    try {
      const interim = readAnswer(socket);
      socket.write(`POST /things HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${gzip.length}\r\n\r\n`);
      expect((await within(5_000, 'the interim answer', interim)).status).toBe(100);
      const final = readAnswer(socket);
      socket.write(gzip);
      const answer = await within(5_000, 'the final answer', final);
      expect([answer.status, JSON.parse(answer.body)]).toEqual([201, { chars: JSON_BODY_LIMIT_BYTES - 40 }]);
    } finally {
      socket.destroy();
    }
  });
});
