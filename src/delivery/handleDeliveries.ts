/**
 * Runs an async handler on every delivery of a consumer and emits what it reports, with graceful stop.
 *
 * Deliberately not `mergeMap`: with thousands of deliveries in flight, each inner subscription costs an O(n)
 * removal from its parent when it ends, which showed as the top entry of the profile. Concurrency needs no
 * operator here anyway: the transport never hands out more than `prefetch` unsettled deliveries.
 */
import { Observable } from 'rxjs';
import type { Delivery } from '../core/transport.js';
import { InFlight } from './inFlight.js';
import { trackedEmitter } from './trackedEmitter.js';

/**
 * Emits what `handler` reports for each delivery of `deliveries$`. Once `signal` aborts, new deliveries are nacked
 * and, when the work in flight (counted in `inFlight`) has settled, the consumer is cancelled and the stream
 * completes; it also completes, when idle, if the consumer ends.
 *
 * @example
 * ```ts
 * handleDeliveries(transport.consume(FEATURES, { group: 'model', prefetch: 256 }), predict, signal);
 * ```
 */
export function handleDeliveries<E>(
  deliveries$: Observable<Delivery>,
  handler: (delivery: Delivery) => Promise<E | undefined> | E | undefined,
  signal: AbortSignal | undefined,
  inFlight: InFlight = new InFlight(),
): Observable<E> {
  return new Observable<E>((subscriber) => {
    const out = trackedEmitter(subscriber, inFlight);
    const sub = deliveries$.subscribe({
      next: (delivery) => {
        if (signal?.aborted) return delivery.nack();
        out.track(handler(delivery));
      },
      error: out.fail,
      complete: out.completeWhenIdle,
    });
    const stopListening = out.stopOnAbort(signal, () => sub.unsubscribe());
    return () => {
      stopListening();
      sub.unsubscribe();
    };
  });
}
