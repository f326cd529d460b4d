/**
 * The bodies the gateway holds while they arrive share one budget across all clients (GATEWAY_MAX_BUFFERED_BYTES),
 * of which each address may hold an eighth (at least one whole body): clients that declare large bodies and stall
 * cannot make it hold more; one address meets its own limit (429) and cannot fill the budget for the others; once
 * it is full, a 503 they can read, unless an address holding more has a body still arriving (fair-body-budget.test.ts);
 * and what they held comes back when they leave.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyBudget, type BodyShare } from '../../../services/gateway/body-budget';
import { ClientWentAway, readBody } from '../../../services/gateway/request-body';
import { readAnswer, type RawAnswer } from '../kit/http/raw-http';
import { call, socketFrom, startEchoUpstreams, startTestGateway, type TestServer, type Upstreams } from './support';
import { eventually } from '../../support/within';

const MAX_BODY = 64 * 1024;
/** Room for four whole bodies; an eighth of it is half a body, so each address may hold one whole body. */
const BUDGET = 4 * MAX_BODY;

let upstreams: Upstreams;
let gateway: TestServer;
const sockets: Socket[] = [];
const running: Server[] = [];

beforeAll(async () => {
  upstreams = await startEchoUpstreams();
  gateway = await startTestGateway({
    upstreams: upstreams.urls,
    maxBodyBytes: MAX_BODY,
    maxBufferedBytes: BUDGET,
    // The credential route's own buckets would refuse the flood first; this test is about memory.
    throttleOverride: { rateLimit: 10_000, burstLimit: 10_000 },
  });
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of running) server.close();
  await gateway?.close();
  await upstreams?.close();
});

async function openFrom(localAddress: string): Promise<Socket> {
  const socket = await socketFrom(gateway.url, localAddress);
  sockets.push(socket);
  return socket;
}

/** A sign-up whose head promises `MAX_BODY` bytes (or chunks), of which only half is sent: then it stalls. */
async function stalledUpload(localAddress: string, chunked = false): Promise<{ socket: Socket; answers: RawAnswer[] }> {
  const socket = await openFrom(localAddress);
  const answers: RawAnswer[] = [];
  void readAnswer(socket).then((answer) => answers.push(answer), () => {});
  const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${MAX_BODY}`;
  socket.write(`POST /identity/signup HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`);
  const half = 'x'.repeat(MAX_BODY / 2);
  socket.write(chunked ? `${half.length.toString(16)}\r\n${half}\r\n` : half);
  return { socket, answers };
}

describe('when clients declare large bodies and stall', () => {
  it('then one address holds no more than its part (429), the budget no more than itself (503), others without a body are served, and leaving frees it', async () => {
    // Two addresses try three uploads each: one body each is held, the others meet their own address's limit.
    const greedy: Array<{ socket: Socket; answers: RawAnswer[] }> = [];
    for (const address of ['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.3']) greedy.push(await stalledUpload(address));
    const answered = (uploads: typeof greedy) => uploads.filter((upload) => upload.answers.length > 0);
    await eventually('the four greedy requests answered', () => answered(greedy).length === 4, 5_000);
    for (const { answers } of answered(greedy)) {
      expect(answers[0]).toMatchObject({ status: 429, headers: { 'retry-after': '1', 'content-type': 'application/problem+json; charset=utf-8' } });
      expect(JSON.parse(answers[0]!.body)).toMatchObject({ status: 429, requestId: answers[0]!.headers['x-request-id'] });
    }

    // Other addresses still find room: two more bodies fill the budget, and the next address gets a readable 503.
    const others = [await stalledUpload('127.0.0.4'), await stalledUpload('127.0.0.5')];
    const late = await stalledUpload('127.0.0.6');
    await eventually('the late request answered', () => late.answers.length === 1, 5_000);
    expect(answered(others)).toHaveLength(0);
    expect(late.answers[0]).toMatchObject({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/problem+json; charset=utf-8' } });
    expect(JSON.parse(late.answers[0]!.body)).toMatchObject({ status: 503, requestId: late.answers[0]!.headers['x-request-id'] });

    // A chunked body has no declared length: its first chunk, half a body, finds the budget full, but would leave
    // its address holding less than those holding it, so it takes the room of the oldest stalled body (503 there).
    const chunked = await stalledUpload('127.0.0.7', true);
    await eventually('the oldest stalled body answered', () => greedy[0]!.answers.length === 1, 5_000);
    expect(greedy[0]!.answers[0]?.status).toBe(503);
    expect(chunked.answers).toHaveLength(0);

    // A request without a body is served.
    expect((await call(gateway.url, 'GET', '/products')).status).toBe(200);

    // Those holding the budget leave: what they held comes back.
    for (const upload of [...greedy, ...others]) if (upload.answers.length === 0) upload.socket.destroy();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await call(gateway.url, 'POST', '/identity/signup', { body: '{"email":"a@b.c"}' })).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(200);
  });
});

describe('when a body budget is shared', () => {
  it('then a share takes only what fits, and releasing gives back all of it, once', () => {
    const budget = new BodyBudget(10);
    const a = budget.share('x');
    const b = budget.share('y');
    expect(a.grow(6)).toBe('taken');
    expect(b.grow(5)).toBe('all');
    expect(b.grow(4)).toBe('taken');
    expect(budget.held).toBe(10);
    expect(a.grow(1)).toBe('all');
    a.release();
    a.release();
    expect(budget.held).toBe(4);
    expect(b.grow(6)).toBe('taken');
    b.release();
    expect(budget.held).toBe(0);
  });

  it('then, when full, a share of a client that would still hold less cuts arriving shares of the client holding the most, oldest first, and only those', () => {
    const budget = new BodyBudget(10);
    const cuts: string[] = [];
    const arriving = (client: string, bytes: number, name: string) => {
      const share = budget.share(client);
      expect(share.grow(bytes)).toBe('taken');
      share.arriving(() => cuts.push(name));
      return share;
    };
    const [, , read] = [arriving('x', 3, 'x1'), arriving('x', 3, 'x2'), arriving('y', 3, 'y1')];
    read.arriving(undefined); // y's body has arrived whole: it is never cut
    expect(budget.share('z').grow(6)).toBe('all'); // z would hold 6, as much as x: nothing is cut for it
    expect(budget.share('z').grow(2)).toBe('taken'); // x holds 6 > 2: its oldest goes
    expect(cuts).toEqual(['x1']);
    expect(budget.held).toBe(8);
    expect(budget.heldBy('x')).toBe(3);
    expect(budget.share('y').grow(3)).toBe('all'); // y would hold 6, more than x's 3: nothing is cut for it
    expect(cuts).toEqual(['x1']);
  });

  it('then, when full and addresses hold alike, the body longest without a byte is cut, not an older upload still arriving', () => {
    /** Four addresses holding 2 of 8 each, oldest first; `moving` have had bytes since, in that order. */
    const cutFor = (...moving: string[]) => {
      const budget = new BodyBudget(8);
      const cuts: string[] = [];
      const shares = new Map<string, BodyShare>();
      for (const client of ['upload', 'a1', 'a2', 'a3']) {
        const share = budget.share(client);
        expect(share.grow(2)).toBe('taken');
        share.arriving(() => cuts.push(client));
        shares.set(client, share);
      }
      for (const client of moving) shares.get(client)!.progressed();
      expect(budget.share('newcomer').grow(1)).toBe('taken');
      return cuts;
    };
    expect(cutFor()).toEqual(['upload']); // none moving: the oldest, as before
    expect(cutFor('upload')).toEqual(['a1']);
    expect(cutFor('upload', 'a1', 'a2')).toEqual(['a3']);
    expect(cutFor('a3', 'a2', 'a1', 'upload')).toEqual(['a3']); // the first of the four to have moved has waited longest
  });

  it('then, when full, a share for which cutting could not make room enough cuts nothing', () => {
    const budget = new BodyBudget(10);
    const cuts: string[] = [];
    for (const [client, name] of [['x', 'x1'], ['x', 'x2'], ['y', 'y1']] as const) {
      const share = budget.share(client);
      expect(share.grow(3)).toBe('taken');
      share.arriving(() => cuts.push(name));
    }
    // z would hold 5: x's oldest (x holds 6) frees 3 of the 4 missing, and then no one holds more than z would.
    expect(budget.share('z').grow(5)).toBe('all');
    expect(cuts).toEqual([]);
    expect(budget.held).toBe(9);
  });

  it('then, when full, an arriving share that holds nothing yet (a chunked body before its first chunk) is not cut: it frees no room', () => {
    const budget = new BodyBudget(10);
    const cuts: string[] = [];
    for (const [client, bytes, name] of [['x', 0, 'x0'], ['x', 3, 'x1'], ['x', 3, 'x2'], ['y', 3, 'y1']] as const) {
      const share = budget.share(client);
      if (bytes > 0) expect(share.grow(bytes)).toBe('taken');
      share.arriving(() => cuts.push(name));
    }
    expect(budget.share('z').grow(2)).toBe('taken');
    expect(cuts).toEqual(['x1']);
  });

  it("then one client's shares together hold no more than its part, and the part comes back as they end", () => {
    const budget = new BodyBudget(100, 10);
    const first = budget.share('x');
    const second = budget.share('x');
    expect(first.grow(6)).toBe('taken');
    expect(second.grow(5)).toBe('client');
    expect(second.grow(4)).toBe('taken');
    expect(budget.share('y').grow(10)).toBe('taken'); // another client has a part of its own
    expect(budget.heldBy('x')).toBe(10);
    first.release();
    expect(budget.heldBy('x')).toBe(4);
    expect(budget.share('x').grow(6)).toBe('taken');
    expect(budget.held).toBe(20);
  });
});

describe('when the client has left before its body is read (as while its token is checked)', () => {
  it('then reading gives up at once with ClientWentAway, holding no budget, instead of waiting for the deadline', async () => {
    const budget = new BodyBudget(1024);
    const outcome = new Promise<unknown>((resolve) => {
      const server = createServer((req, res) => {
        req.once('close', () => {
          readBody(req, res, { maxBytes: 1024, timeoutMs: 60_000 }, budget.share('127.0.0.1')).then(resolve, resolve);
        });
      });
      running.push(server);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /identity/signup HTTP/1.1\r\nhost: gw\r\ncontent-length: 100\r\n\r\n', () => setTimeout(() => socket.destroy(), 50));
        });
      });
    });
    expect(await outcome).toBeInstanceOf(ClientWentAway);
    expect(budget.held).toBe(0);
  });
});
