/**
 * The model service: every `features` message becomes a prediction on `y_pred` under the same id.
 * The features message is acked only once the prediction has been taken by the transport, so a crash between the
 * two redelivers the features and the prediction is published again (metric absorbs the duplicate by id).
 */
import { finalize, type Observable } from 'rxjs';
import { featureVector } from '../core/codec.js';
import { partitionOf, partitionTopics } from '../core/partitions.js';
import { FEATURES, Y_PRED, type Topic } from '../core/topics.js';
import type { RecordId } from '../core/envelope.js';
import type { Delivery, Transport } from '../core/transport.js';
import { decodeDelivery } from '../core/decodeDelivery.js';
import { handleDeliveries } from '../delivery/handleDeliveries.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';
import type { DriftReporter } from './driftReporter.js';
import { deadLetter, retryOrDeadLetter } from '../delivery/settle.js';

/** What the model service needs of a model: the loaded model file is data, and this is all it can do. */
export interface Predictor {
  /** Why `x` cannot be predicted (wrong length…), or undefined when it can. */
  checkInput(x: readonly number[]): string | undefined;
  predict(x: readonly number[]): number;
}

export interface ModelServiceOptions {
  /** Deliveries in flight at once, which is also the consumer's prefetch. @default 256 */
  readonly concurrency?: number;
  /** Stop: take no new features, finish the predictions in flight, then complete. */
  readonly signal?: AbortSignal;
  /** Counts every predicted vector for drift; sends its last counts when the service ends. */
  readonly drift?: DriftReporter;
  /** Metric partitions: above 1, each prediction goes to `y_pred.<partition of its id>` (see partitions.ts). @default 1 */
  readonly partitions?: number;
}

export function modelService(
  transport: Transport,
  model: Predictor,
  options: ModelServiceOptions = {},
): Observable<ServiceEvent> {
  const concurrency = options.concurrency ?? 256;
  const { drift } = options;
  const partitions = options.partitions ?? 1;
  const topics = partitionTopics(Y_PRED, partitions);
  const topicOf = (id: RecordId): Topic =>
    partitions === 1 ? Y_PRED : (topics[partitionOf(id, partitions)] as Topic);
  return handleDeliveries(
    transport.consume(FEATURES, { group: 'model', prefetch: concurrency }),
    (delivery) => predictOne(transport, model, delivery, drift, topicOf),
    options.signal,
  ).pipe(finalize(() => drift?.close()));
}

/** Synchronous when the transport takes the prediction at once (memory): no promise per message. */
function predictOne(
  transport: Transport,
  model: Predictor,
  delivery: Delivery,
  drift: DriftReporter | undefined,
  topicOf: (id: RecordId) => Topic,
): ServiceEvent | Promise<ServiceEvent> {
  const decoded = decodeDelivery(delivery, featureVector);
  if (!decoded.ok) return deadLetter(delivery, decoded.error.code, decoded.error.reason);
  const { id, body } = decoded.value;
  const invalid = model.checkInput(body);
  if (invalid !== undefined) return deadLetter(delivery, 'wrong_shape', invalid);
  const prediction = { id, body: model.predict(body) };
  drift?.observe(body, prediction.body);
  const topic = topicOf(id);
  if (transport.tryPublish?.(topic, prediction)) {
    delivery.ack();
    return { kind: 'predicted', id };
  }
  return transport.publish(topic, prediction).then(
    (): ServiceEvent => {
      delivery.ack();
      return { kind: 'predicted', id };
    },
    (error: unknown) => retryOrDeadLetter(delivery, error),
  );
}
