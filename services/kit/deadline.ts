/**
 * `work`, or a failure at `deadline` (a time in ms since the epoch) if it is still running then: a database that
 * does not answer, a handler stuck on a silent connection. `work` is not stopped; its later outcome is ignored.
 * `late` gives the failure: its text, or the error itself when its kind matters to the reader.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number, late: () => string | Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const failure = late();
      reject(typeof failure === 'string' ? new Error(failure) : failure);
    }, Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
