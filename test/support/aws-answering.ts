import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the stand-in answers every call: an AWS JSON error (type and status), a page of its own, or never. */
export type AwsAnswer = { readonly status: number; readonly type?: string; readonly page?: string } | 'never';

export interface AwsStandIn {
  readonly url: string;
  close(): Promise<void>;
}

/** A loopback HTTP server in place of an AWS endpoint, answering every request the same way. */
export async function awsAnswering(answer: AwsAnswer): Promise<AwsStandIn> {
  const server: Server = createServer((req, res) => {
    req.resume();
    if (answer === 'never') return;
    const { status, type, page } = answer;
    if (page !== undefined) {
      res.writeHead(status, { 'content-type': 'text/html' }).end(page);
      return;
    }
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) });
    res.end(JSON.stringify({ __type: type, message: `stand-in says ${type ?? status}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
