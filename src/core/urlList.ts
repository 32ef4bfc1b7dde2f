/**
 * Broker URL lists: `--url` and the URL environment variables take one URL or several separated by commas (the
 * servers of one cluster), e.g. `nats://a:4222,nats://b:4222`. Pure; shared by the transports so that every
 * broker reads a list the same way.
 */

/**
 * The URLs of `text`, in order: split at commas, trimmed, empty entries dropped (a trailing comma is harmless).
 * A URL whose password holds a comma must percent-encode it (`%2C`), as in any URL.
 *
 * @example
 * ```ts
 * splitUrlList(' nats://a:4222, nats://b:4222 ,'); // ['nats://a:4222', 'nats://b:4222']
 * ```
 */
export function splitUrlList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
