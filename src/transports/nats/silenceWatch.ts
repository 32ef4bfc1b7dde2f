/**
 * Whether a pull consumer has gone silent. A live one always hears something: its messages, or, when none come,
 * its pull request expiring (a 408 status, then the next pull). nats.js watches the idle heartbeats too, but it
 * stops watching on a disconnect and resumes only once its own check of the consumer succeeds: when a cluster
 * node dies, a pull request can be lost with nothing left watching, and the consumer then waits forever. One
 * tick per expiry period; `checks` silent ticks in a row mean the pull requests are gone.
 */
export class SilenceWatch {
  #heard = 0;
  #seen = 0;
  #quiet = 0;

  /** @param checks silent ticks in a row that make a silence (at least 1). */
  constructor(readonly checks: number) {
    if (!Number.isInteger(checks) || checks < 1)
      throw new RangeError(`checks must be a positive integer, got ${checks}`);
  }

  /** Something came: a message or a status. Cheap enough to call for every message. */
  heard(): void {
    this.#heard++;
  }

  /** One tick; true when nothing was heard during this one and the `checks − 1` before it. */
  tick(): boolean {
    if (this.#heard !== this.#seen) {
      this.#seen = this.#heard;
      this.#quiet = 0;
      return false;
    }
    return ++this.#quiet >= this.checks;
  }

  /** Silent ticks in a row so far. */
  get quietTicks(): number {
    return this.#quiet;
  }

  /** Counts the silence from now, as if something had just been heard. */
  restart(): void {
    this.#quiet = 0;
  }
}
