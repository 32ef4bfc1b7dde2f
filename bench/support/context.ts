/** What every benchmark gets from the harness. */
import type { BenchOptions, BrokerTransport } from './options.js';

export interface BenchContext {
  readonly options: BenchOptions;
  /** Progress for the person watching (stderr); never part of the results. */
  log(message: string): void;
  /** A fresh, empty folder for one run's files, inside the bench's temporary folder (removed at the end). */
  dir(name: string): Promise<string>;
  /** `n` times the scale, rounded, and at least `min`. */
  scaled(n: number, min?: number): number;
  /** Why the broker of `t` cannot be used, or undefined when it answers. */
  unreachable(t: BrokerTransport): Promise<string | undefined>;
}
