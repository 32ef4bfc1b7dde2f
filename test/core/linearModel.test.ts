import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  LINEAR_MODEL_FORMAT,
  LinearModelError,
  createLinearModel,
  parseLinearModel,
} from '../../src/core/linearModel.js';
import { buildReferenceProfile, type ReferenceProfile } from '../../src/core/referenceProfile.js';
import { readModel } from '../../src/files/readModel.js';

const valid = (): Record<string, unknown> => ({
  format: 'rx-ml-pipeline/linear-model',
  version: 1,
  target: 'target',
  features: ['a', 'b', 'c'],
  intercept: 10,
  coefficients: [1, -2, 0.5],
  training: {
    dataset: 'data/x.csv',
    rows: 20,
    mae: 1.5,
    rmse: 2,
    r2: 0.75,
    trainedAt: '2024-05-01T12:00:00.000Z',
    conditionNumber: 3.2,
  },
});

/** `valid()` with one change: `patch` edits the document in place. */
function variant(patch: (doc: Record<string, unknown>, training: Record<string, unknown>) => void): unknown {
  const doc = valid();
  patch(doc, doc.training as Record<string, unknown>);
  return doc;
}

function refuses(doc: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseLinearModel(doc, 'm.json'),
    (e: unknown) => {
      assert.ok(e instanceof LinearModelError, `expected LinearModelError, got ${String(e)}`);
      assert.equal(e.source, 'm.json');
      assert.match(e.message, /^m\.json: /);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('parseLinearModel', () => {
  it('loads a valid document and gives it back unchanged as JSON', () => {
    const model = parseLinearModel(valid());
    assert.deepEqual(model.features, ['a', 'b', 'c']);
    assert.equal(model.target, 'target');
    assert.equal(model.intercept, 10);
    assert.deepEqual(model.coefficients, [1, -2, 0.5]);
    assert.deepEqual(JSON.parse(JSON.stringify(model)), valid());
  });

  it('loads a document without the optional training record', () => {
    const model = parseLinearModel(variant((d) => delete d.training));
    assert.equal(model.file.training, undefined);
    assert.equal(model.predict([0, 0, 0]), 10);
  });

  it('does not change when the parsed document is changed afterwards', () => {
    const doc = valid();
    const model = parseLinearModel(doc);
    (doc.coefficients as number[])[0] = 99;
    (doc.features as string[])[0] = 'z';
    assert.equal(model.predict([1, 0, 0]), 11);
    assert.equal(model.features[0], 'a');
    assert.ok(Object.isFrozen(model.file) && Object.isFrozen(model.coefficients));
  });

  it('refuses what is not an object', () => {
    refuses(null, /must hold a JSON object, got null/);
    refuses([1, 2], /got an array/);
    refuses('model', /got "model"/);
  });

  it('refuses an unknown format or version', () => {
    refuses(
      variant((d) => (d.format = 'sklearn-pickle')),
      /"format" must be "rx-ml-pipeline\/linear-model", got "sklearn-pickle"/,
    );
    refuses(
      variant((d) => delete d.format),
      /"format" must be/,
    );
    refuses(
      variant((d) => (d.version = 2)),
      /"version" number 2 is not supported/,
    );
    refuses(
      variant((d) => (d.version = '1')),
      /"version" "1" is not supported/,
    );
  });

  it('refuses unknown fields, so a misspelt one is noticed', () => {
    refuses(
      variant((d) => (d.coeficients = [])),
      /unknown field "coeficients"/,
    );
  });

  it('refuses a bad target', () => {
    refuses(
      variant((d) => delete d.target),
      /"target" must be a non-empty string, got undefined/,
    );
    refuses(
      variant((d) => (d.target = ' ')),
      /"target" must be a non-empty string/,
    );
  });

  it('refuses bad feature names', () => {
    refuses(
      variant((d) => (d.features = [])),
      /"features" must be a non-empty array/,
    );
    refuses(
      variant((d) => (d.features = 'a,b,c')),
      /"features" must be a non-empty array of names, got "a,b,c"/,
    );
    refuses(
      variant((d) => (d.features = ['a', 7, 'c'])),
      /"features"\[1\] must be a non-empty string, got number 7/,
    );
    refuses(
      variant((d) => (d.features = ['a', 'b', 'a'])),
      /"features"\[2\] "a" appears twice/,
    );
  });

  it('refuses a bad intercept', () => {
    refuses(
      variant((d) => delete d.intercept),
      /"intercept" must be a finite number, got undefined/,
    );
    refuses(
      variant((d) => (d.intercept = '10')),
      /"intercept" must be a finite number, got "10"/,
    );
    refuses(
      variant((d) => (d.intercept = NaN)),
      /"intercept" must be a finite number, got number NaN/,
    );
  });

  it('refuses coefficients that do not match the features or are not finite', () => {
    refuses(
      variant((d) => (d.coefficients = [1, 2])),
      /"coefficients" has 2 values but "features" has 3 names/,
    );
    refuses(
      variant((d) => (d.coefficients = { a: 1 })),
      /"coefficients" must be an array of numbers, got an object/,
    );
    refuses(
      variant((d) => (d.coefficients = [1, null, 3])),
      /"coefficients"\[1\] must be a finite number, got null/,
    );
    refuses(
      variant((d) => (d.coefficients = [1, 2, Infinity])),
      /"coefficients"\[2\] must be a finite number, got number Infinity/,
    );
  });

  it('refuses a malformed training record', () => {
    refuses(
      variant((d) => (d.training = 'yesterday')),
      /"training" must be an object/,
    );
    refuses(
      variant((_, t) => (t.rows = 0)),
      /"training.rows" must be a positive integer, got number 0/,
    );
    refuses(
      variant((_, t) => (t.rows = 2.5)),
      /"training.rows" must be a positive integer/,
    );
    refuses(
      variant((_, t) => (t.mae = -1)),
      /"training.mae" must be a finite number ≥ 0/,
    );
    refuses(
      variant((_, t) => delete t.rmse),
      /"training.rmse" must be a finite number ≥ 0, got undefined/,
    );
    refuses(
      variant((_, t) => (t.r2 = 1.5)),
      /"training.r2" must be a finite number ≤ 1/,
    );
    refuses(
      variant((_, t) => (t.dataset = '')),
      /"training.dataset" must be a non-empty string/,
    );
    refuses(
      variant((_, t) => (t.trainedAt = 'last tuesday')),
      /"training.trainedAt" is not a date/,
    );
    refuses(
      variant((_, t) => (t.conditionNumber = 0.5)),
      /"training.conditionNumber" must be a finite number ≥ 1/,
    );
  });
});

describe('parseLinearModel with a reference profile', () => {
  /** The profile of `valid()`'s model on twelve rows of a, b, c (a: 0…11, b: two values, c: constant). */
  const reference = (): ReferenceProfile => {
    const X = Array.from({ length: 12 }, (_, i) => [i, i % 2, 7]);
    const model = parseLinearModel(valid());
    return buildReferenceProfile(
      { featureNames: ['a', 'b', 'c'], X, y: X.map((x) => model.predict(x) + 1) },
      model,
    );
  };
  /** `valid()` with `reference`, its result passed through JSON as a file would be, then `patch`ed. */
  const withReference = (patch: (r: Record<string, unknown>) => void = () => undefined): unknown =>
    variant((d) => {
      const r = JSON.parse(JSON.stringify(reference())) as Record<string, unknown>;
      patch(r);
      d.reference = r;
    });
  const features = (r: Record<string, unknown>): Record<string, Record<string, number[]>> =>
    r.features as Record<string, Record<string, number[]>>;

  it('loads a valid reference and gives it back as it was, frozen', () => {
    const model = parseLinearModel(withReference(), 'm.json');
    assert.deepEqual(model.reference, reference());
    assert.equal(model.reference?.mae, 1);
    assert.deepEqual(model.reference?.features.b, { edges: [1], fractions: [0.5, 0.5] });
    assert.ok(Object.isFrozen(model.reference) && Object.isFrozen(model.reference?.features.a?.edges));
    assert.deepEqual(JSON.parse(JSON.stringify(model)), JSON.parse(JSON.stringify(withReference())));
  });

  it('has no reference when the file has none', () => {
    assert.equal(parseLinearModel(valid()).reference, undefined);
    assert.ok(!('reference' in parseLinearModel(valid()).toJSON()));
  });

  it('refuses a malformed reference, naming the file and the field', () => {
    refuses(
      withReference((r) => (features(r).a!.edges = [3, 2, 4, 5, 6, 7, 8, 9, 10])),
      /^m\.json: "reference\.features\.a\.edges"\[1\] is 2, not above the edge before it \(3\)$/,
    );
    refuses(
      withReference((r) => (features(r).b!.fractions = [0.5, 0.4])),
      /^m\.json: "reference\.features\.b\.fractions" sum to 0\.9, not 1$/,
    );
    refuses(
      withReference((r) => (r.rmse = -1)),
      /^m\.json: "reference\.rmse" must be a finite number ≥ 0, got number -1$/,
    );
    refuses(
      withReference((r) => delete r.prediction),
      /^m\.json: "reference\.prediction" must be an object/,
    );
    refuses(
      variant((d) => (d.reference = [])),
      /^m\.json: "reference" must be an object, got an array$/,
    );
  });

  it('refuses a reference that does not profile exactly the model’s features, naming them', () => {
    refuses(
      withReference((r) => delete features(r).c),
      /"reference\.features" must profile exactly the model's features; missing: c$/,
    );
    refuses(
      withReference((r) => (features(r).d = features(r).a!)),
      /"reference\.features" must profile exactly the model's features; not features of the model: d$/,
    );
    refuses(
      withReference((r) => {
        delete features(r).a;
        delete features(r).b;
        features(r).z = features(r).c!;
      }),
      /; missing: a, b; not features of the model: z$/,
    );
  });

  it('the bundled models/diabetes-linear.json has a reference whose errors are its training errors', async () => {
    const model = await readModel('models/diabetes-linear.json');
    const { reference, training } = model.file;
    assert.ok(reference && training);
    assert.deepEqual(Object.keys(reference.features), model.features);
    assert.equal(reference.mae, training.mae);
    assert.equal(reference.rmse, training.rmse);
    assert.equal(reference.features.bmi?.fractions.length, 10);
  });
});

describe('LinearModel', () => {
  const model = parseLinearModel(valid());

  it('predicts intercept + Σ coefficient·feature', () => {
    assert.equal(model.predict([0, 0, 0]), 10);
    assert.equal(model.predict([1, 1, 1]), 10 + 1 - 2 + 0.5);
    assert.equal(model.predict([2, -3, 4]), 10 + 2 + 6 + 2);
  });

  it('explains a vector of the wrong length, naming the features', () => {
    assert.equal(model.checkInput([1, 2]), 'expected 3 features (a, b, c), got 2');
    assert.equal(model.checkInput([1, 2, 3, 4]), 'expected 3 features (a, b, c), got 4');
    assert.equal(model.checkInput([1, 2, 3]), undefined);
    assert.throws(() => model.predict([1, 2]), RangeError);
  });

  it('explains a non-finite value', () => {
    assert.match(model.checkInput([1, NaN, 3]) ?? '', /feature 1 \(b\) is NaN/);
  });

  it('shortens the list of a long feature list', () => {
    const names = Array.from({ length: 12 }, (_, i) => `x${i}`);
    const big = createLinearModel({
      target: 't',
      features: names,
      intercept: 0,
      coefficients: names.map(() => 1),
    });
    assert.equal(
      big.checkInput([1]),
      'expected 12 features (x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, …), got 1',
    );
    assert.equal(big.toJSON().format, LINEAR_MODEL_FORMAT);
  });

  it('is validated when built from a fit as well', () => {
    assert.throws(
      () => createLinearModel({ target: 't', features: ['a'], intercept: 0, coefficients: [NaN] }),
      LinearModelError,
    );
  });
});
