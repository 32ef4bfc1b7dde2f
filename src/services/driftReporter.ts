/**
 * The model service's drift window and its broadcast: every predicted vector goes into a `DriftWindow`, and its
 * bin counts go out on `drift` once 1,000 vectors (or a window's worth, if the window is smaller) have been added
 * since the last message, but at most one message every 20 ms; 500 ms after the first of fewer vectors; and once
 * more when the service stops. PSI over a window of 1,000 moves little in fewer vectors, and a message costs far
 * more than a vector (encoding, checking and merging the counts, about 0.1 ms in all): in the one-process pipeline
 * at 200,000 vectors/s, one per 1,000 vectors was about 2 % of the main thread's time. Below 50,000 vectors/s the
 * limit never applies; above, a drift alert's record is accurate to what the replica predicts in 20 ms. Counts
 * rather than PSI: the metric adds up the windows of all the model replicas before it computes PSI (see DriftBody).
 *
 * Best-effort, like the dashboards' broadcasts: a message that cannot be sent is dropped and never holds back a
 * prediction. On the hot path a vector costs one `DriftWindow.add`; counts are copied only to publish.
 */
import type { DriftBody } from '../core/driftBody.js';
import { DEFAULT_DRIFT_WINDOW, DriftWindow } from '../core/driftWindow.js';
import type { ReferenceProfile } from '../core/referenceProfile.js';
import { DRIFT } from '../core/topics.js';
import type { Transport } from '../core/transport.js';

export const DRIFT_DEFAULTS = {
  /** Vectors in each replica's window. */
  window: DEFAULT_DRIFT_WINDOW,
  /** A message at least every this many vectors (or `window`, when smaller)… */
  everyVectors: 1_000,
  /** …and no later than this many ms after a vector that is not yet reported… */
  everyMs: 500,
  /** …but no sooner than this many ms after the last message. */
  minIntervalMs: 20,
} as const;

export interface DriftReporterOptions {
  readonly reference: ReferenceProfile;
  /** The model's features, in the order of the vectors it predicts. */
  readonly featureNames: readonly string[];
  /** This replica's name, unique among the replicas (host and pid). */
  readonly source: string;
  /** @default DRIFT_DEFAULTS.window */
  readonly window?: number;
  /** @default the smaller of DRIFT_DEFAULTS.everyVectors and `window` */
  readonly everyVectors?: number;
  /** @default DRIFT_DEFAULTS.everyMs */
  readonly everyMs?: number;
  /** @default DRIFT_DEFAULTS.minIntervalMs */
  readonly minIntervalMs?: number;
}

export class DriftReporter {
  readonly #window: DriftWindow;
  readonly #transport: Transport;
  readonly #source: string;
  readonly #everyVectors: number;
  readonly #everyMs: number;
  readonly #minIntervalMs: number;
  #unreported = 0;
  #seen = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The pending timer sends a full batch as soon as `#minIntervalMs` allows (not `#everyMs` after a vector). */
  #due = false;
  /** `performance.now()` of the last message. */
  #lastSent = -Infinity;
  #closed = false;

  /** @throws RangeError when the reference does not profile exactly `featureNames`, or for a bad window. */
  constructor(transport: Transport, options: DriftReporterOptions) {
    const size = options.window ?? DRIFT_DEFAULTS.window;
    this.#window = new DriftWindow(options.reference, options.featureNames, { size });
    this.#transport = transport;
    this.#source = options.source;
    this.#everyVectors = options.everyVectors ?? Math.min(DRIFT_DEFAULTS.everyVectors, size);
    this.#everyMs = options.everyMs ?? DRIFT_DEFAULTS.everyMs;
    this.#minIntervalMs = options.minIntervalMs ?? DRIFT_DEFAULTS.minIntervalMs;
  }

  /** Counts one predicted vector. */
  observe(x: readonly number[], prediction: number): void {
    if (this.#closed) return;
    this.#window.add(x, prediction);
    this.#seen++;
    if (++this.#unreported < this.#everyVectors) {
      if (this.#timer === undefined) this.#schedule(this.#everyMs);
      return;
    }
    // A batch is full: send it now, or as soon as the last message is `minIntervalMs` old. The clock is read
    // once per batch, not per vector.
    if (this.#due) return;
    const wait = this.#lastSent + this.#minIntervalMs - performance.now();
    if (wait <= 0) this.flush();
    else {
      clearTimeout(this.#timer);
      this.#schedule(wait);
      this.#due = true;
    }
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => this.flush(), ms);
    // A pending report must not keep a stopping process alive: `close` sends the last one.
    this.#timer.unref();
  }

  /** The body the next message would carry. */
  body(): DriftBody {
    const w = this.#window;
    const counts: Record<string, number[]> = {};
    for (const column of w.columns) counts[column] = w.binCounts(column);
    return { source: this.#source, window: w.size, n: w.count, counts, seen: this.#seen };
  }

  /** Sends the counts now if any vector is not reported yet. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = false;
    if (this.#unreported === 0) return;
    this.#unreported = 0;
    this.#lastSent = performance.now();
    const envelope = { id: `${this.#source}-${Date.now()}`, body: this.body() };
    if (!this.#transport.tryPublish?.(DRIFT, envelope))
      this.#transport.publish(DRIFT, envelope).catch(() => undefined);
  }

  /** Sends what is left and stops reporting. */
  close(): void {
    this.flush();
    this.#closed = true;
  }
}
