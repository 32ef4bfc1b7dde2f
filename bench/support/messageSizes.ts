/**
 * The sizes of the pipeline's messages on the wire, so the raw ceilings move messages of the same sizes: the
 * mean encoded size of a record's `features`, `y_true` and `y_pred` messages over the shipped data set.
 */
import { DEFAULT_DATASET, DEFAULT_MODEL } from '../../src/cli/paths.js';
import { encodeEnvelope } from '../../src/core/codec.js';
import { readDataset } from '../../src/files/readDataset.js';
import { readModel } from '../../src/files/readModel.js';

/** Bytes of a record's three messages, in publishing order: features, y_true, y_pred. */
export async function pipelineMessageSizes(): Promise<readonly [number, number, number]> {
  const [dataset, model] = await Promise.all([
    readDataset(DEFAULT_DATASET, 'target'),
    readModel(DEFAULT_MODEL),
  ]);
  // An id as long as a bench run's: `<run>-<sequence>` with a five-digit sequence.
  const id = 'benchmc0ffee0ab-50000';
  let features = 0;
  let yTrue = 0;
  let yPred = 0;
  dataset.X.forEach((x, i) => {
    features += encodeEnvelope({ id, body: x }).byteLength;
    yTrue += encodeEnvelope({ id, body: dataset.y[i] as number }).byteLength;
    yPred += encodeEnvelope({ id, body: model.predict(x) }).byteLength;
  });
  const n = dataset.X.length;
  return [Math.round(features / n), Math.round(yTrue / n), Math.round(yPred / n)];
}
