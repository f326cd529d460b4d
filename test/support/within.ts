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
