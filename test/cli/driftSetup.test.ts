/** The drift pieces the commands share: the model replica's reporter and the `--inject-drift` shift. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { DriftInjectionError } from '../../src/core/driftInjection.js';
import { createLinearModel } from '../../src/core/linearModel.js';
import type { LogLevel } from '../../src/core/log.js';
import { readModel } from '../../src/files/readModel.js';
import { driftReporterFor, injectedDrift } from '../../src/cli/driftSetup.js';
import { DriftReporter } from '../../src/services/driftReporter.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';

/** A logger that keeps its lines. */
function lines(): { log: (level: LogLevel, message: string) => void; got: [LogLevel, string][] } {
  const got: [LogLevel, string][] = [];
  return { log: (level, message) => void got.push([level, message]), got };
}

describe('driftReporterFor', () => {
  const t = new MemoryTransport();

  it('is undefined with --no-drift, and says nothing', async () => {
    const { log, got } = lines();
    const bundled = await readModel('models/diabetes-linear.json');
    assert.equal(driftReporterFor(bundled, { drift: false, driftWindow: 1000 }, t, log), undefined);
    assert.deepEqual(got, []);
  });

  it('is undefined for a model file without a reference, said in one info line', () => {
    const { log, got } = lines();
    const bare = createLinearModel({ target: 'y', features: ['a'], intercept: 0, coefficients: [1] });
    assert.equal(driftReporterFor(bare, { drift: true, driftWindow: 1000 }, t, log), undefined);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.[0], 'info');
    assert.match(got[0]?.[1] ?? '', /no reference profile/);
  });

  it('is a reporter for the bundled model, with the window asked for, named after this process', async () => {
    const { log, got } = lines();
    const bundled = await readModel('models/diabetes-linear.json');
    const drift = driftReporterFor(bundled, { drift: true, driftWindow: 300 }, t, log);
    assert.ok(drift instanceof DriftReporter);
    const body = drift.body();
    assert.equal(body.window, 300);
    assert.equal(body.n, 0);
    assert.equal(body.source, `${hostname()}-${process.pid}`);
    assert.deepEqual(Object.keys(body.counts), [...bundled.features, 'prediction']);
    assert.deepEqual(got, []);
    drift.close();
    await t.close();
  });
});

describe('injectedDrift', () => {
  const names = ['age', 'bmi'];

  it('is undefined without --inject-drift or with only empty values', () => {
    assert.equal(injectedDrift(undefined, names), undefined);
    assert.equal(injectedDrift([], names), undefined);
    assert.equal(injectedDrift([' ;'], names), undefined);
  });

  it('shifts the vectors as the values say, checked against the data set’s features', () => {
    const shift = injectedDrift(['bmi=0.5@2;age=-1@3'], names);
    assert.ok(shift);
    assert.deepEqual(shift([1, 1], 1), [1, 1]);
    assert.deepEqual(shift([1, 1], 2), [1, 1.5]);
    assert.deepEqual(shift([1, 1], 3), [0, 1.5]);
    assert.throws(() => injectedDrift(['s1=1@0'], names), DriftInjectionError);
  });
});
