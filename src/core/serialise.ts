/**
 * Queues an async function's calls, so that one never starts while the previous one runs: the metric log
 * reader and the plotter both keep state (a byte offset, a histogram) that overlapping calls would corrupt.
 */

/** `f` with its calls queued: each starts when the previous one has settled, even by rejecting. */
export function serialise<T>(f: () => Promise<T>): () => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return () => {
    const result = queue.then(f);
    queue = result.catch(() => undefined);
    return result;
  };
}
