/**
 * Arguments and output shared by the raw-broker scripts (bench/raw/amqp.ts, bench/raw/nats.ts), each run as two
 * processes: `--role consume` (declares, prints `ready`, counts and acks) and `--role publish`.
 */
import { parseArgs } from 'node:util';
import { nowMs } from '../support/time.js';

export interface RawArgs {
  readonly role: 'publish' | 'consume';
  readonly url: string;
  /** Queue (RabbitMQ), or stream and subject (NATS): unique to the run, never a pipeline topic. */
  readonly name: string;
  /** Messages to move. */
  readonly count: number;
  /** Message sizes in bytes, cycled through: those of a record's features, y_true and y_pred messages. */
  readonly sizes: readonly number[];
  /** Deliveries outstanding per consumer, as the pipeline's consumers. */
  readonly prefetch: number;
  /** Publishes awaiting their confirm / ack at once, as the pipeline's producers. */
  readonly window: number;
  /** NATS only: JetStream (durable, acked) or core. */
  readonly mode: 'jetstream' | 'core';
  /** The consumer gives up after this long without a message (core NATS may lose some). */
  readonly idleMs: number;
}

export function parseRawArgs(argv: readonly string[]): RawArgs {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      role: { type: 'string' },
      url: { type: 'string' },
      name: { type: 'string' },
      count: { type: 'string' },
      sizes: { type: 'string' },
      prefetch: { type: 'string', default: '256' },
      window: { type: 'string', default: '512' },
      mode: { type: 'string', default: 'jetstream' },
      'idle-ms': { type: 'string', default: '10000' },
    },
    strict: true,
  });
  const role = v.role;
  if (role !== 'publish' && role !== 'consume') throw new Error('--role must be publish or consume');
  if (!v.url || !v.name || !v.count || !v.sizes)
    throw new Error('--url, --name, --count and --sizes are required');
  const mode = v.mode;
  if (mode !== 'jetstream' && mode !== 'core') throw new Error('--mode must be jetstream or core');
  const sizes = v.sizes.split(',').map(Number);
  const count = Number(v.count);
  if (!Number.isSafeInteger(count) || count < 1 || sizes.some((s) => !Number.isSafeInteger(s) || s < 2))
    throw new Error('--count must be a positive integer and --sizes integers >= 2');
  return {
    role,
    url: v.url,
    name: v.name,
    count,
    sizes,
    prefetch: Number(v.prefetch),
    window: Number(v.window),
    mode,
    idleMs: Number(v['idle-ms']),
  };
}

/**
 * One pre-encoded message per size: a JSON object of exactly that many bytes. A ceiling moves bytes as fast as
 * the broker allows, so the encoding (which the pipeline does per message) is left out on purpose.
 */
export function payloads(sizes: readonly number[]): Buffer[] {
  return sizes.map((size) => {
    const head = '{"id":"raw","body":"';
    const pad = Math.max(0, size - head.length - 2);
    return Buffer.from(`${head}${'x'.repeat(pad)}"}`).subarray(0, Math.max(size, 2));
  });
}

/** What a raw script prints as its last stdout line (JSON). */
export type RawReport =
  | { readonly role: 'publish'; readonly sent: number; readonly startAtMs: number; readonly endAtMs: number }
  | {
      readonly role: 'consume';
      readonly received: number;
      readonly firstAtMs: number | null;
      readonly lastAtMs: number | null;
    };

export const printReport = (report: RawReport): void =>
  void process.stdout.write(`${JSON.stringify(report)}\n`);

/** Counts consumed messages; finishes on the last one, on `idleMs` without a message, or on SIGTERM. */
export class ConsumeCounter {
  received = 0;
  private firstAtMs: number | null = null;
  private lastAtMs: number | null = null;
  private readonly finished: Promise<void>;
  private finish!: () => void;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly count: number,
    private readonly idleMs: number,
  ) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    process.once('SIGTERM', () => this.finish());
  }

  /** Call for each message; returns true on the last one. */
  got(): boolean {
    const now = nowMs();
    this.firstAtMs ??= now;
    this.lastAtMs = now;
    this.received++;
    if (this.received === 1 || this.received % 1024 === 0) {
      clearTimeout(this.idle);
      this.idle = setTimeout(() => this.finish(), this.idleMs);
    }
    if (this.received >= this.count) this.finish();
    return this.received >= this.count;
  }

  /** Resolves when counting is over, with the report to print. */
  async done(): Promise<RawReport> {
    await this.finished;
    clearTimeout(this.idle);
    return { role: 'consume', received: this.received, firstAtMs: this.firstAtMs, lastAtMs: this.lastAtMs };
  }
}
