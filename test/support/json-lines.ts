import type { Readable } from 'node:stream';

/** A service's log line as the tests read it: pino's message, and the URL a listening line names. */
export interface LogEntry {
  readonly msg: string;
  readonly url?: string;
}

/** Calls `onEntry` with each JSON line a child writes to `stream`, whole lines only (a chunk may end mid-line). */
export function onJsonLines(stream: Readable, onEntry: (entry: LogEntry) => void): void {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) onEntry(JSON.parse(line) as LogEntry);
  });
}
