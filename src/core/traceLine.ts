/**
 * One line of the metric's trace file: `time topic id body`, or `time topic raw <text>` for a message that is not
 * an envelope. Pure.
 */
import { decodeEnvelope, pass } from './codec.js';
import type { Delivery } from './transport.js';

/** Longest piece of a message a trace line quotes: a broken 512 KiB message must not make a 512 KiB line. */
export const TRACE_MAX_TEXT = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Cuts `text` to `TRACE_MAX_TEXT` characters and keeps it on one line. */
const oneLine = (text: string): string => {
  const cut = text.length > TRACE_MAX_TEXT ? `${text.slice(0, TRACE_MAX_TEXT)}…` : text;
  return cut.replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r'));
};

/**
 * The trace line of `delivery`, taken at `atMs`, with its line feed. Bad messages are traced too: a decodable
 * envelope with a bad body shows that body; anything else shows its raw text, truncated.
 *
 * @example
 * ```ts
 * traceLine(delivery, Date.now()); // '2024-05-01T12:00:00.000Z y_true r1-42 151\n'
 * ```
 */
export function traceLine(delivery: Pick<Delivery, 'topic' | 'data' | 'envelope'>, atMs: number): string {
  const head = `${new Date(atMs).toISOString()} ${delivery.topic}`;
  const envelope = delivery.envelope ?? decodedEnvelope(delivery.data);
  if (envelope === undefined)
    return `${head} raw ${oneLine(utf8.decode(delivery.data.subarray(0, 4 * TRACE_MAX_TEXT)))}\n`;
  return `${head} ${oneLine(String(envelope.id))} ${oneLine(JSON.stringify(envelope.body) ?? 'undefined')}\n`;
}

function decodedEnvelope(data: Uint8Array): { id: unknown; body: unknown } | undefined {
  const decoded = decodeEnvelope(data, (body) => pass(body));
  return decoded.ok ? decoded.value : undefined;
}
