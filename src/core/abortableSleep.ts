/**
 * Waits `ms`, or less: resolves at once when `signal` is already aborted or aborts meanwhile. Never rejects, so a
 * retry or pacing loop checks its signal after the wait rather than catching an error.
 */
export const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
