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

export function handleDeliveries<E>(
  deliveries$: Observable<Delivery>,
  handler: (delivery: Delivery) => Promise<E | undefined> | E | undefined,
  signal: AbortSignal | undefined,
  inFlight: InFlight = new InFlight(),
): Observable<E> {
  return new Observable<E>((subscriber) => {
    const emit = (event: E | undefined): void => {
      if (event !== undefined) subscriber.next(event);
    };
    const fail = (error: unknown): void => subscriber.error(error);
    const finish = (): void => {
      void inFlight.whenIdle().then(() => subscriber.complete());
    };
    const sub = deliveries$.subscribe({
      next: (delivery) => {
        if (signal?.aborted) return delivery.nack();
        const out = handler(delivery);
        // The event is emitted inside the tracked work: a stop that waits for idle must not complete before it.
        if (out instanceof Promise) inFlight.track(out.then(emit, fail)).catch(fail);
        else emit(out);
      },
      error: fail,
      complete: finish,
    });
    const onAbort = (): void => {
      sub.unsubscribe();
      finish();
    };
    // Stopping cancels the consumer only once the work in flight has settled its messages.
    const onAbortWhenIdle = (): void => void inFlight.whenIdle().then(onAbort);
    if (signal?.aborted) onAbortWhenIdle();
    else signal?.addEventListener('abort', onAbortWhenIdle, { once: true });
    return () => {
      signal?.removeEventListener('abort', onAbortWhenIdle);
      sub.unsubscribe();
    };
  });
}
