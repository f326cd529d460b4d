/**
 * Reads `npm start`'s progress lines (`  ✔ postgres   …  (took 1.1 s, at 1.2 s)`, services/local/status.ts):
 * how long each part took by itself, so the start-up benchmark can set the whole against its slowest part.
 */
const STEP = /^\s*✔ (\S+)\s.*\(took (\d+(?:\.\d+)?) s, at (\d+(?:\.\d+)?) s\)$/;

export interface PartTimes {
  /** Part name → seconds that part took by itself. */
  readonly parts: Record<string, number>;
  readonly slowest: { readonly name: string; readonly seconds: number };
}

export function partTimes(lines: readonly string[]): PartTimes {
  const parts: Record<string, number> = {};
  for (const line of lines) {
    const match = STEP.exec(line);
    if (match) parts[match[1]!] = Number(match[2]);
  }
  const [name, seconds] = Object.entries(parts).sort((a, b) => b[1] - a[1])[0] ?? ['none', Number.NaN];
  return { parts, slowest: { name, seconds } };
}
