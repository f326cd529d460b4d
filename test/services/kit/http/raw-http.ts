/**
 * HTTP/1.1 over a bare TCP socket, for the requests no HTTP client will send: bytes that are not HTTP, bodies cut
 * short, bodies sent on after the server has answered. Answers are parsed just enough to check them.
 */
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface RawAnswer {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The first answer on the socket, once its body (by Content-Length) is complete. */
export function readAnswer(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parseAnswer(received);
      if (!answer) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.off('end', onEnd);
      resolve(answer);
    };
    const onEnd = () => reject(new Error(`the connection ended after ${received.length} bytes: ${received.toString('latin1')}`));
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', onEnd);
  });
}

function parseAnswer(received: Buffer): RawAnswer | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (received.length < end + 4 + length) return undefined;
  const body = received.subarray(end + 4, end + 4 + length).toString('utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** Sends `bytes` on a fresh connection and reads the first answer. */
export async function rawRequest(url: string, bytes: string | Buffer): Promise<RawAnswer> {
  const socket = await openSocket(url);
  try {
    const answer = readAnswer(socket);
    socket.write(bytes);
    return await answer;
  } finally {
    socket.destroy();
  }
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A real pino logger whose lines stay in memory, to check what a request logged and at which level. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** pino's numbers: 30 info, 40 warn, 50 error. */
export const LEVEL = { info: 30, warn: 40, error: 50 } as const;

