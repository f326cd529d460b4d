/**
 * A child's piped output, read line by line: given to whoever listens, and its last lines kept, so that a start
 * that fails can say what the child said last. Both pipes are always drained: a full pipe would block the child.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildOutput {
  /** Calls `listener` with every line from now on; returns how to stop. */
  onLine(listener: (line: string) => void): () => void;
  /** The last lines, each on a line of its own after a line break; empty when there are none. */
  tail(): string;
  /**
   * Resolves once every pipe is closed: the child and every process that inherited its output have gone (at once
   * when nothing is piped).
   */
  readonly closed: Promise<void>;
}

// eslint-disable-next-line no-control-regex -- some children (cognito-local's pino-pretty) colour even a pipe
const ANSI = /\u001b\[[0-9;]*m/g;

export function readOutput(child: ChildProcess, tailLines: number): ChildOutput {
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const onLine = (raw: string) => {
    const line = raw.replace(ANSI, '');
    recent.push(line);
    if (recent.length > tailLines) recent.shift();
    for (const listener of listeners) listener(line);
  };
  const streams = [child.stdout, child.stderr].filter((stream) => stream !== null);
  const closed = Promise.all(
    streams.map((input) => new Promise<void>((resolve) => createInterface({ input }).on('line', onLine).once('close', resolve))),
  ).then(() => {});
  return {
    onLine: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    tail: () => (recent.length ? `\n${recent.join('\n')}` : ''),
    closed,
  };
}
