/**
 * Waits for something a test needs to happen, for at most `ms`; past that it fails naming what did not happen,
 * instead of leaving the test to the runner's timeout with no word of why.
 */
export async function within<T>(ms: number, what: string, happening: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([happening, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks `holds` every `everyMs` until it is true, for at most `ms`; past that it fails naming what did not come to
 * hold. For what a test can only observe by asking (a status, a log line, a catalogue row).
 */
export async function eventually(what: string, holds: () => boolean | Promise<boolean>, ms = 10_000, everyMs = 20): Promise<void> {
  const until = Date.now() + ms;
  // A check that itself hangs (a query behind a lock) is bounded too.
  const check = () => within(Math.max(1, until - Date.now()), `${what}: a check answering`, Promise.resolve(holds()));
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not so after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
