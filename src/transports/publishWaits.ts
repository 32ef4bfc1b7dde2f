/**
 * Publishes that could not be taken at once and waited for room (back-pressure), by topic: what every transport
 * exposes as `Transport.publishWaits()`. Counted only on the waiting path, so a publish taken at once pays nothing.
 */
export class PublishWaits {
  readonly #byTopic = new Map<string, number>();

  /** One publish to `topic` has to wait. */
  count(topic: string): void {
    this.#byTopic.set(topic, (this.#byTopic.get(topic) ?? 0) + 1);
  }

  /** The live counts by topic name. */
  readonly read = (): ReadonlyMap<string, number> => this.#byTopic;
}
