/** `npm start` as a real child process on free ports, for end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../../services/local/free-port';

export interface PlatformProcess {
  readonly gatewayUrl: string;
  readonly ports: Record<string, number>;
  readonly output: string[];
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const PORT_VARIABLES = ['GATEWAY_PORT', 'IDENTITY_PORT', 'PRODUCT_PORT', 'BILLING_PORT', 'COGNITO_PORT', 'FAUXQS_PORT', 'POSTGRES_PORT'];

export async function startPlatformProcess(dataDir: string, ports?: Record<string, number>, timeoutMs = 90_000): Promise<PlatformProcess> {
  const chosen = ports ?? Object.fromEntries(await Promise.all(PORT_VARIABLES.map(async (name) => [name, await freePort()] as const)));
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/local/main.ts'], {
    env: { ...process.env, ...Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, String(v)])), DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" line within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const match = /ready: gateway at (\S+)/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before ready:\n${output.join('\n')}`));
    });
  });
  const gatewayUrl = await ready;
  return { gatewayUrl, ports: chosen, output, stop: (signal = 'SIGTERM') => stopChild(child, signal) };
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
