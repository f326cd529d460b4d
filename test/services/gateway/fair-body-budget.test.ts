/**
 * A few clients must not hold the whole body budget (GATEWAY_MAX_BUFFERED_BYTES). Eight addresses, each within its
 * part (an eighth), declare whole bodies and send none of them: that cost them nothing and held every byte of the
 * budget until the body deadline, so every other client's body was refused with 503, sign-ins included, for as long
 * as they renewed them. A client holding less must find room, taken from a stalled body of an address holding more.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnswer, type RawAnswer } from '../kit/http/raw-http';
import { call, socketFrom, startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';
import { eventually } from '../../support/within';

const MAX_BODY = 64 * 1024;
const ATTACKERS = Array.from({ length: 8 }, (_, i) => `127.0.9.${i + 1}`);

let upstreams: Upstreams;
let gateway: TestServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  gateway = await startTestGateway({
    upstreams: upstreams.urls,
    maxBodyBytes: MAX_BODY,
    // Each address's part is an eighth: one whole body.
    maxBufferedBytes: ATTACKERS.length * MAX_BODY,
    throttleOverride: { rateLimit: 10_000, burstLimit: 10_000 },
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await gateway?.close();
  await upstreams?.close();
});

/** A sign-up that declares a body of `bytes` and sends none of it. */
async function emptyPromise(from: string, bytes = MAX_BODY): Promise<{ answers: RawAnswer[] }> {
  const socket = await socketFrom(gateway.url, from);
  sockets.push(socket);
  socket.on('error', () => {});
  const answers: RawAnswer[] = [];
  void readAnswer(socket).then((answer) => answers.push(answer), () => {});
  socket.write(`POST /identity/signup HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${bytes}\r\n\r\n`);
  return { answers };
}

const signUp = (from: string) => call(gateway.url, 'POST', '/identity/signup', { from, body: '{"email":"a@b.c"}', headers: { 'content-type': 'application/json' } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('when eight addresses hold the whole body budget with bodies they never send', () => {
  it('then a client holding less finds room, taken from the oldest stalled body of an address holding more (answered 503), which cannot take it back', async () => {
    const held: { answers: RawAnswer[] }[] = [];
    for (const from of ATTACKERS) held.push(await emptyPromise(from));
    await sleep(100);
    const cut = () => held.filter((upload) => upload.answers.length > 0);
    expect(cut()).toHaveLength(0);

    // A newcomer stalls too, with a small body: it is held, and the first address's body is cut for it.
    const small = await emptyPromise('127.0.10.1', 1_000);
    await eventually('one stalled body answered', () => cut().length === 1, 5_000);
    expect(held[0]!.answers[0]).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(small.answers).toHaveLength(0);

    // The cut address asks for a whole body again: it would hold as much as any other, so nobody's is cut for it.
    const again = await emptyPromise(ATTACKERS[0]!);
    await eventually('the renewed body answered', () => again.answers.length > 0, 5_000);
    expect(again.answers[0]).toMatchObject({ status: 503 });
    await sleep(100);
    expect(cut()).toHaveLength(1);

    // The room the cut body left beside the small one serves others, and nothing more is cut while it does.
    for (const from of ['127.0.10.2', '127.0.10.3']) expect((await signUp(from)).status).toBe(200);
    expect(cut()).toHaveLength(1);
  });
});
