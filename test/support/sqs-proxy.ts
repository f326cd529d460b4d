/**
 * An HTTP proxy in front of the SQS emulator that counts each action's calls (`x-amz-target`, e.g.
 * `DeleteMessageBatch`) and can answer some itself instead of forwarding them: an outage of one action only, as a
 * permission taken away or throttling would be, which stopping the whole emulator cannot stand for.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer of the proxy's own, or undefined to forward the call. */
export type SqsInterception = (action: string, body: Record<string, unknown>) => { readonly status: number; readonly body: unknown } | undefined;

export interface SqsProxy {
  readonly url: string;
  /** Calls seen per action, forwarded or not, each with the time it came. */
  readonly calls: Map<string, number[]>;
  intercept(interception: SqsInterception | undefined): void;
  close(): Promise<void>;
}

export async function startSqsProxy(target: string): Promise<SqsProxy> {
  const calls = new Map<string, number[]>();
  let interception: SqsInterception | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      calls.set(action, [...(calls.get(action) ?? []), Date.now()]);
      const own = interception?.(action, raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {});
      if (own) {
        res.writeHead(own.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(own.body));
        return;
      }
      forward(target, req.method ?? 'POST', req.url ?? '/', req.headers, raw, (status, headers, body) => res.writeHead(status, headers).end(body), () => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    intercept: (next) => {
      interception = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(
  target: string,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  answer: (status: number, headers: IncomingHttpHeaders, body: Buffer) => void,
  fail: () => void,
): void {
  const upstream = request(new URL(path, target), { method, headers: { ...headers, host: new URL(target).host } }, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => answer(response.statusCode ?? 502, response.headers, Buffer.concat(chunks)));
    response.on('error', fail);
  });
  upstream.on('error', fail);
  upstream.end(body);
}

/** What SQS answers when it fails: a server error the SDK retries, then throws. */
export const internalError = { status: 500, body: { __type: 'com.amazonaws.sqs#InternalError', message: 'the proxy fails this call' } };

/** A batch answer in which every entry failed, as SQS gives for entries it could not act on. */
export function everyEntryFailed(body: Record<string, unknown>) {
  const entries = (body.Entries ?? []) as Array<{ Id: string }>;
  return { status: 200, body: { Successful: [], Failed: entries.map((entry) => ({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'the proxy fails this entry' })) } };
}
