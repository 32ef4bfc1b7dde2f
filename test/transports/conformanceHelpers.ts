/**
 * Machinery of the transport conformance suite: unique topics, a scope that tears down everything a test opened,
 * an inbox that records deliveries, probes that tell when subscribers are attached, and bounded waits.
 * Nothing here knows any broker.
 */
import type { Subscription, Observable } from 'rxjs';
import type { Envelope, RecordId } from '../../src/core/envelope.js';
import { broadcastTopic, queueTopic, type Topic } from '../../src/core/topics.js';
import type { ConnectionState, Delivery, Transport } from '../../src/core/transport.js';
import { sleep, until } from '../../harness/poll.js';

export type Factory = (opts?: { url?: string }) => Promise<Transport>;
export type Handler = (d: Delivery) => void | Promise<void>;

/** Ids of probe messages start with this; inboxes ack probes and keep them apart. */
const PROBE = 'probe-';

export const ack: Handler = (d) => d.ack();

const text = new TextDecoder();

/** The id of a delivered envelope (undefined when the bytes are not an envelope). */
export function idOf(d: Delivery): RecordId | undefined {
  try {
    const parsed = JSON.parse(text.decode(d.data)) as { id?: RecordId };
    return parsed.id;
  } catch {
    return undefined;
  }
}

export const envelope = (id: RecordId, body: unknown = id): Envelope<unknown> => ({ id, body });
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

/** Awaits `p`, failing after `timeoutMs` saying what it waited for (a hung transport must fail, not stall). */
export async function within<T>(p: Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets timers, I/O and broker round trips run for a moment, so that anything that was going to happen has. */
export async function settle(ms = 200): Promise<void> {
  await sleep(ms);
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Records the deliveries of one consumer; `handler` (if any) settles each one. */
export class Inbox {
  readonly deliveries: Delivery[] = [];
  /** Promises returned by the handler (deadLetter), so a test can await them. */
  readonly handled: Promise<void>[] = [];
  probes = 0;
  error: unknown;
  private readonly sub: Subscription;

  constructor(
    source: Observable<Delivery>,
    public handler?: Handler,
  ) {
    this.sub = source.subscribe({
      next: (d) => {
        const id = idOf(d);
        if (typeof id === 'string' && id.startsWith(PROBE)) {
          this.probes++;
          d.ack();
          return;
        }
        this.deliveries.push(d);
        const r = this.handler?.(d);
        if (r) this.handled.push(r);
      },
      error: (e: unknown) => (this.error = e),
    });
  }

  ids(): RecordId[] {
    return this.deliveries.map((d) => idOf(d) as RecordId);
  }

  distinct(): Set<RecordId> {
    return new Set(this.ids());
  }

  /** Waits until at least `n` deliveries (not counting probes) have arrived. */
  async waitFor(n: number, what = `${n} deliveries`, timeoutMs = 15_000): Promise<Delivery[]> {
    await until(
      () => {
        if (this.error !== undefined)
          throw this.error instanceof Error ? this.error : new Error('the consumer stream failed');
        return this.deliveries.length >= n;
      },
      `${what} (got ${this.deliveries.length})`,
      { timeoutMs },
    );
    return this.deliveries.slice(0, n);
  }

  /** Waits until `n` distinct ids have arrived. */
  async waitForDistinct(n: number, timeoutMs = 15_000): Promise<void> {
    await until(() => this.distinct().size >= n, `${n} distinct ids (got ${this.distinct().size})`, {
      timeoutMs,
    });
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}

/** Everything one test opens, torn down by `dispose` whatever happened. */
export class Scope {
  private readonly transports: Transport[] = [];
  private readonly inboxes: Inbox[] = [];
  private readonly topics: string[] = [];
  private readonly deferred: (() => Promise<void> | void)[] = [];

  constructor(
    private readonly factory: Factory,
    private readonly cleanup: ((topicNames: string[]) => Promise<void>) | undefined,
  ) {}

  async transport(opts?: { url?: string }): Promise<Transport> {
    const t = await this.factory(opts);
    this.transports.push(t);
    return t;
  }

  /** A topic no other test (or earlier run) uses. */
  topic(kind: 'queue' | 'broadcast', label: string): Topic {
    const name = `conformance.${label}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    this.topics.push(name);
    return kind === 'queue' ? queueTopic(name) : broadcastTopic(name);
  }

  inbox(source: Observable<Delivery>, handler?: Handler): Inbox {
    const i = new Inbox(source, handler);
    this.inboxes.push(i);
    return i;
  }

  defer(f: () => Promise<void> | void): void {
    this.deferred.push(f);
  }

  async dispose(): Promise<void> {
    for (const i of this.inboxes) i.stop();
    await Promise.allSettled(this.transports.map((t) => t.close()));
    for (const f of this.deferred.reverse()) await f();
    if (this.cleanup) await this.cleanup(this.topics);
  }
}

/** Runs `body` in a fresh scope and always disposes it. */
export async function scoped(
  factory: Factory,
  cleanup: ((topicNames: string[]) => Promise<void>) | undefined,
  body: (s: Scope) => Promise<void>,
): Promise<void> {
  const s = new Scope(factory, cleanup);
  try {
    await body(s);
  } finally {
    await s.dispose();
  }
}

/**
 * Publishes probes until every inbox has seen one: subscribing is asynchronous on a broker, and a broadcast
 * message published before a subscriber is attached never reaches it.
 */
export async function untilAttached(
  t: Transport,
  topic: Topic,
  inboxes: Inbox[],
  timeoutMs = 10_000,
): Promise<void> {
  let k = 0;
  await until(
    async () => {
      if (inboxes.every((i) => i.probes > 0)) return true;
      await t.publish(topic, envelope(`${PROBE}${k++}`, 0));
      return false;
    },
    `the subscribers of '${topic.name}' to attach`,
    { timeoutMs, intervalMs: 20 },
  );
}

/** Records the states a transport goes through. */
export function recordStates(t: Transport): { states: ConnectionState[]; completed: () => boolean } {
  const states: ConnectionState[] = [];
  let done = false;
  t.state$.subscribe({ next: (s) => states.push(s), complete: () => (done = true) });
  return { states, completed: () => done };
}
