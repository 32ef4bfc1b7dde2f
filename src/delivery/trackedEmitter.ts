/**
 * A service stream's subscriber together with the service's work in flight: the one place that emits what the
 * work reports, turns its failures into the stream's error, and completes or stops the stream only once no work is
 * left, so no message taken is left unsettled by a stop.
 */
import type { Subscriber } from 'rxjs';
import { InFlight } from './inFlight.js';

/** Its members are closures over one subscription: pass them on as callbacks freely. */
export interface TrackedEmitter<E> {
  /** Emits `event`, if there is one (a handler reports `undefined` when there is nothing to say). */
  readonly emit: (event: E | undefined) => void;
  /** Ends the stream with `error`. */
  readonly fail: (error: unknown) => void;
  /**
   * Emits the outcome of a piece of work: a value at once, a promise's value once it settles. A promise counts as
   * in flight until its event has been emitted; its rejection errors the stream.
   */
  readonly track: (outcome: Promise<E | undefined> | E | undefined) => void;
  /** Counts `work` as in flight (it emits on its own, if at all); its rejection errors the stream. */
  readonly run: (work: Promise<unknown>) => void;
  /** Completes the stream once the work in flight has settled. */
  readonly completeWhenIdle: () => void;
  /**
   * Graceful stop: once `signal` aborts and the work in flight has settled its messages, calls `cancel` (which
   * unsubscribes the consumers) and completes when idle again. Returns the teardown that removes the listener.
   */
  readonly stopOnAbort: (signal: AbortSignal | undefined, cancel: () => void) => () => void;
}

/**
 * Wraps the subscriber of a service's stream; create it inside the subscribe function, so the work it counts
 * belongs to that one subscription.
 *
 * @example
 * ```ts
 * new Observable<ServiceEvent>((subscriber) => {
 *   const out = trackedEmitter(subscriber);
 *   const sub = deliveries$.subscribe({ next: (d) => out.track(handle(d)), error: out.fail, complete: out.completeWhenIdle });
 *   const stopListening = out.stopOnAbort(signal, () => sub.unsubscribe());
 *   return () => { stopListening(); sub.unsubscribe(); };
 * });
 * ```
 */
export function trackedEmitter<E>(
  subscriber: Subscriber<E>,
  inFlight: InFlight = new InFlight(),
): TrackedEmitter<E> {
  const emit = (event: E | undefined): void => {
    if (event !== undefined) subscriber.next(event);
  };
  const fail = (error: unknown): void => subscriber.error(error);
  const run = (work: Promise<unknown>): void => void inFlight.track(work).catch(fail);
  const completeWhenIdle = (): void => void inFlight.whenIdle().then(() => subscriber.complete());
  return {
    emit,
    fail,
    run,
    completeWhenIdle,
    track: (outcome) => {
      // The event is emitted inside the tracked work: a stop that waits for idle must not complete before it.
      if (outcome instanceof Promise) run(outcome.then(emit, fail));
      else emit(outcome);
    },
    stopOnAbort: (signal, cancel) => {
      if (signal === undefined) return () => undefined;
      // Stopping cancels the consumers only once the work in flight has settled its messages.
      const onAbort = (): void =>
        void inFlight.whenIdle().then(() => {
          cancel();
          completeWhenIdle();
        });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    },
  };
}
