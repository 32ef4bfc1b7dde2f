/**
 * Bad input of every kind a foreign producer might send, per topic, each with the dead-letter reason it must
 * come back with; and good records sent in unusual ways (unknown fields, the same id twice) that must be joined
 * once. The bytes are written by hand, as a non-conforming producer would write them, never by our encoder.
 */
import { FEATURES, type Topic } from '../../src/core/topics.js';

export interface BadKind {
  readonly name: string;
  /** Whether the kind applies to the features topic, the number topics (y_true, y_pred), or both. */
  readonly on: 'features' | 'numbers' | 'all';
  readonly bytes: (i: number, topic: Topic) => Uint8Array;
  /** The reason its dead letter must carry. */
  readonly reason: RegExp;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A valid body for the topic, to pair with a bad id. */
const goodBody = (topic: Topic): string => (topic === FEATURES ? JSON.stringify(vector(10)) : '151.5');
const vector = (n: number): number[] => Array.from({ length: n }, (_, j) => (j - 4) / 100);
/** Just under the NATS server's 1 MiB max_payload: the largest message every broker stores. */
const ONE_MB = 1_000_000;

export const BAD_KINDS: readonly BadKind[] = [
  { name: 'not JSON', on: 'all', bytes: (i) => text(`not json ${i}`), reason: /is not JSON/ },
  {
    name: 'truncated JSON',
    on: 'all',
    bytes: (i, t) => text(`{"id":"bad-${i}","body":${goodBody(t)}`.slice(0, -3)),
    reason: /is not JSON/,
  },
  // What Python's json.dumps writes for float('nan'): not JSON.
  {
    name: 'NaN literal',
    on: 'all',
    bytes: (i) => text(`{"id":"bad-${i}","body":NaN}`),
    reason: /is not JSON/,
  },
  {
    name: 'not UTF-8',
    on: 'all',
    bytes: () => new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    reason: /UTF-8/,
  },
  { name: 'not an object', on: 'all', bytes: (i) => text(`[${i},1]`), reason: /must be a JSON object/ },
  { name: 'id missing', on: 'all', bytes: (_, t) => text(`{"body":${goodBody(t)}}`), reason: /has no id/ },
  {
    name: 'id null',
    on: 'all',
    bytes: (_, t) => text(`{"id":null,"body":${goodBody(t)}}`),
    reason: /got null/,
  },
  {
    name: 'id object',
    on: 'all',
    bytes: (i, t) => text(`{"id":{"n":${i}},"body":${goodBody(t)}}`),
    reason: /got a value of type object/,
  },
  {
    name: 'id empty string',
    on: 'all',
    bytes: (_, t) => text(`{"id":"","body":${goodBody(t)}}`),
    reason: /must not be an empty string/,
  },
  { name: 'body missing', on: 'all', bytes: (i) => text(`{"id":"bad-${i}"}`), reason: /has no body/ },
  {
    name: 'body Infinity',
    on: 'numbers',
    bytes: (i) => text(`{"id":"bad-${i}","body":1e999}`),
    reason: /finite number, got number Infinity/,
  },
  {
    name: 'body Infinity in a vector',
    on: 'features',
    bytes: (i) => text(`{"id":"bad-${i}","body":[1e999,0,0,0,0,0,0,0,0,0]}`),
    reason: /body\[0\] must be a finite number/,
  },
  {
    name: 'body a string',
    on: 'all',
    bytes: (i) => text(`{"id":"bad-${i}","body":"151"}`),
    reason: /got a string/,
  },
  {
    name: 'wrong vector length',
    on: 'features',
    bytes: (i) => text(`{"id":"bad-${i}","body":${JSON.stringify(vector(3))}}`),
    reason: /expected 10 features .* got 3/,
  },
  {
    name: '1 MB body',
    on: 'all',
    bytes: (i) => text(`{"id":"bad-${i}","body":"${'x'.repeat(ONE_MB - 40)}"}`),
    reason: /bytes; at most/,
  },
];

/** How many of each kind, at most, are large (1 MB each would make a slow test for nothing). */
export const MAX_LARGE_PER_TOPIC = 5;

export interface BadMessage {
  readonly kind: BadKind;
  readonly topic: Topic;
  readonly bytes: Uint8Array;
}

/** `total` bad messages spread over `topics`, cycling through the kinds that apply to each topic. */
export function badMessages(total: number, topics: readonly Topic[]): BadMessage[] {
  const out: BadMessage[] = [];
  const large = new Map<string, number>();
  for (let i = 0; out.length < total; i++) {
    const topic = topics[i % topics.length] as Topic;
    const kinds = BAD_KINDS.filter((k) => k.on === 'all' || (k.on === 'features') === (topic === FEATURES));
    const kind = kinds[Math.floor(i / topics.length) % kinds.length] as BadKind;
    if (kind.name === '1 MB body') {
      const n = large.get(topic.name) ?? 0;
      if (n >= MAX_LARGE_PER_TOPIC) continue;
      large.set(topic.name, n + 1);
    }
    out.push({ kind, topic, bytes: kind.bytes(i, topic) });
  }
  return out;
}

/** A good record as an unusual producer sends it: unknown fields beside id and body. */
export function withUnknownFields(id: string, topic: Topic, n: number): Uint8Array {
  const body = topic === FEATURES ? JSON.stringify(vector(10)) : String(100 + n);
  return text(`{"ts":${1_700_000_000 + n},"id":"${id}","body":${body},"source":{"host":"pika"},"v":2}`);
}

/** A good record in the plain wire format. */
export function plain(id: string, topic: Topic, n: number): Uint8Array {
  return text(`{"id":"${id}","body":${topic === FEATURES ? JSON.stringify(vector(10)) : String(100 + n)}}`);
}
