/**
 * The features service: streams records of a data set, each as its feature vector on `features` and its target
 * on `y_true` under one id. A record counts as published when the transport has taken both messages.
 *
 * Paced by `intervalMs`, or, at 0, as fast as the transport takes messages: at most `concurrency` records are in
 * flight, so a full transport holds the loop back instead of letting memory grow.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { abortableSleep } from '../core/abortableSleep.js';
import { Observable } from 'rxjs';
import { preEncodeBody } from '../core/codec.js';
import type { VectorShift } from '../core/driftInjection.js';
import type { Envelope } from '../core/envelope.js';
import { rowForSequence } from '../core/random.js';
import { Deque } from '../core/deque.js';
import { newRunId, recordId } from '../core/recordIds.js';
import { partitionOf, partitionTopics } from '../core/partitions.js';
import { FEATURES, Y_TRUE, type Topic } from '../core/topics.js';
import { TransportClosedError, type Transport } from '../core/transport.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';

/** What a features service does when its options leave a setting out. */
export const FEATURES_DEFAULTS = { intervalMs: 1_000, concurrency: 256 } as const;

export interface FeatureRows {
  readonly X: readonly (readonly number[])[];
  readonly y: readonly number[];
}

export interface FeaturesOptions {
  /** Milliseconds between records; 0 = as fast as back-pressure allows. @default FEATURES_DEFAULTS.intervalMs */
  readonly intervalMs?: number;
  /** Records of the run in all: a run resumed at `startSequence` publishes `count - startSequence`. @default Infinity */
  readonly count?: number;
  /** Seed for the choice of rows: the row of record n depends only on seed and n. @default random */
  readonly seed?: number;
  /** Prefix of this process's ids. @default a fresh random run id */
  readonly runId?: string;
  /** First sequence number (a restarted process continues its count). @default 0 */
  readonly startSequence?: number;
  /** Records in flight at once. @default FEATURES_DEFAULTS.concurrency */
  readonly concurrency?: number;
  /** Aborting stops producing; records already in flight finish, then the stream completes. */
  readonly signal?: AbortSignal;
  /**
   * Called when the lowest sequence not yet taken by the transport advances: every record below it is safely
   * published, so a restart may resume there (re-sending, under the same ids, only what might be lost).
   */
  readonly onWatermark?: (next: number) => void;
  /** Drift injected on purpose: the vector of each record as it goes on the wire (see driftInjection.ts). */
  readonly shift?: VectorShift;
  /** Called once when pacing starts, with the wall-clock time (ms since the epoch) record n is due after. */
  readonly onPacingStart?: (epochMs: number) => void;
  /** Metric partitions: above 1, each target goes to `y_true.<partition of its id>` (see partitions.ts). @default 1 */
  readonly partitions?: number;
}

/** Publishes one message, retrying with backoff while the transport is up but refusing (e.g. mid-reconnect). */
async function publishWithRetry<B>(
  transport: Transport,
  topic: typeof FEATURES,
  env: Envelope<B>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transport.publish(topic, env);
    } catch (error) {
      if (error instanceof TransportClosedError || attempt >= 8) throw error;
      await abortableSleep(Math.min(5000, 50 * 2 ** attempt));
    }
  }
}

export function featuresService(
  transport: Transport,
  rows: FeatureRows,
  options: FeaturesOptions = {},
): Observable<ServiceEvent> {
  const intervalMs = options.intervalMs ?? FEATURES_DEFAULTS.intervalMs;
  const count = options.count ?? Infinity;
  const concurrency = Math.max(1, options.concurrency ?? FEATURES_DEFAULTS.concurrency);
  const start = options.startSequence ?? 0;
  if (rows.X.length === 0 || rows.X.length !== rows.y.length)
    throw new RangeError(`features needs at least one row and one target per row; got ${rows.X.length} rows`);
  // Each row is sent many times: encode it once (a row JSON cannot carry is left to fail when it is sent).
  for (const x of rows.X) {
    try {
      preEncodeBody(x);
    } catch {
      // not encodable: publishing it reports the error
    }
  }

  return new Observable<ServiceEvent>((subscriber) => {
    const runId = options.runId ?? newRunId();
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    // Records in the order they were started, so the watermark advances in O(1) as they complete.
    const started = new Deque<{ readonly sequence: number; done: boolean }>();
    let next = start;
    const advance = (): void => {
      let moved = false;
      while (started.peek()?.done) {
        started.shift();
        moved = true;
      }
      if (moved) options.onWatermark?.(started.peek()?.sequence ?? next);
    };
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    // Records not yet taken by the transport, and the loop waiting for one of them to be (at most one waits).
    // Not `Promise.race` over a set of them: each race adds a reaction to every pending promise, O(concurrency)
    // per record, which showed in the profiles of the broker runs.
    let inFlight = 0;
    let wake: (() => void) | undefined;
    const settled = (): void => {
      inFlight--;
      const w = wake;
      wake = undefined;
      w?.();
    };
    const failed = (error: unknown): void => {
      failure ??= error;
      settled();
    };
    const slotFreed = (): Promise<void> => new Promise((resolve) => (wake = resolve));
    let failure: unknown;

    const track = options.onWatermark !== undefined;
    const partitions = options.partitions ?? 1;
    const targets = partitionTopics(Y_TRUE, partitions);
    const targetTopic = (id: string): Topic =>
      partitions === 1 ? Y_TRUE : (targets[partitionOf(id, partitions)] as Topic);
    const shift = options.shift;
    const publishOne = <B>(topic: Topic, envelope: Envelope<B>): Promise<void> | undefined =>
      transport.tryPublish?.(topic, envelope) ? undefined : publishWithRetry(transport, topic, envelope);

    type Started = { readonly sequence: number; done: boolean };
    const finish = (entry: Started | undefined, id: string): void => {
      if (entry !== undefined) {
        entry.done = true;
        advance();
      }
      subscriber.next({ kind: 'published', id });
    };

    /** Publishes one record; returns undefined when the transport took both messages at once. */
    const publishRecord = (sequence: number): Promise<void> | undefined => {
      const row = rowForSequence(seed, sequence, rows.X.length);
      const id = recordId(runId, sequence);
      // Tracked only for a watermark; a record taken at once costs no closure (the one-process pipeline's case).
      const entry: Started | undefined = track ? { sequence, done: false } : undefined;
      if (entry !== undefined) started.push(entry);
      next = sequence + 1;
      const x = rows.X[row] as readonly number[];
      const a = publishOne(FEATURES, { id, body: shift === undefined ? x : shift(x, sequence) });
      const b = publishOne(targetTopic(id), { id, body: rows.y[row] as number });
      if (a === undefined && b === undefined) return void finish(entry, id);
      return Promise.all([a, b]).then(() => finish(entry, id));
    };

    const run = async (): Promise<void> => {
      const t0 = performance.now();
      options.onPacingStart?.(performance.timeOrigin + t0);
      for (let seq = start; seq < count && !signal.aborted && failure === undefined; seq++) {
        if (intervalMs > 0) {
          // Pace against the start time, not the last tick, so delays do not accumulate.
          const due = t0 + (seq - start) * intervalMs - performance.now();
          if (due > 0) await abortableSleep(due, signal);
          if (signal.aborted) break;
        }
        const published = publishRecord(seq);
        if (published !== undefined) {
          inFlight++;
          published.then(settled, failed);
          if (inFlight >= concurrency) await slotFreed();
        }
        // A transport that takes every message at once resolves in microtasks only: without a turn of the event
        // loop now and then, this loop would starve timers, I/O and the abort signal.
        if (intervalMs <= 0 && (seq - start) % concurrency === concurrency - 1) await yieldToEventLoop();
      }
      while (inFlight > 0) await slotFreed();
      if (failure !== undefined) subscriber.error(failure);
      else subscriber.complete();
    };
    void run();
    return () => stop.abort();
  });
}
