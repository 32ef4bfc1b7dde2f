/** `--inject-drift FEATURE=DELTA@RECORD`: what parses, what is refused and why, and the shift it compiles to. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileDriftInjections,
  DriftInjectionError,
  parseDriftInjection,
  parseDriftInjections,
  type DriftInjection,
} from '../../src/core/driftInjection.js';

const NAMES = ['age', 'sex', 'bmi', 'bp'] as const;

/** Asserts that `text` is refused with a DriftInjectionError naming it and matching `why`. */
function refuses(text: string, why: RegExp): void {
  assert.throws(
    () => parseDriftInjection(text, NAMES),
    (e: unknown) => {
      assert.ok(e instanceof DriftInjectionError, `expected DriftInjectionError, got ${String(e)}`);
      assert.equal(e.name, 'DriftInjectionError');
      assert.ok(e.message.startsWith(`--inject-drift ${JSON.stringify(text)}: `), e.message);
      assert.match(e.message, why);
      return true;
    },
  );
}

describe('parseDriftInjection', () => {
  it('reads FEATURE=DELTA@RECORD', () => {
    assert.deepEqual(parseDriftInjection('bmi=0.05@10000', NAMES), {
      feature: 'bmi',
      delta: 0.05,
      fromRecord: 10_000,
    });
  });

  it('takes a negative delta, an exponent, a record of 0 and spaces around the parts', () => {
    assert.deepEqual(parseDriftInjection('bp=-3.5@7', NAMES), { feature: 'bp', delta: -3.5, fromRecord: 7 });
    assert.deepEqual(parseDriftInjection('age=1e-2@0', NAMES), {
      feature: 'age',
      delta: 0.01,
      fromRecord: 0,
    });
    assert.deepEqual(parseDriftInjection('  sex = +2 @ 12  ', NAMES), {
      feature: 'sex',
      delta: 2,
      fromRecord: 12,
    });
  });

  it('refuses an unknown feature, listing the data set’s features', () => {
    refuses('nope=1@0', /unknown feature "nope"; the data set has age, sex, bmi, bp$/);
    refuses('BMI=1@0', /unknown feature "BMI"/);
    assert.throws(() => parseDriftInjection('s1=1@0', []), /the data set has $/);
  });

  it('refuses a DELTA that is not a finite number', () => {
    refuses('bmi=x@5', /DELTA must be a finite number, got "x"/);
    refuses('bmi=NaN@5', /DELTA must be a finite number, got "NaN"/);
    refuses('bmi=Infinity@5', /DELTA must be a finite number, got "Infinity"/);
    refuses('bmi=-Infinity@5', /DELTA must be a finite number, got "-Infinity"/);
    refuses('bmi=1e999@5', /DELTA must be a finite number, got "1e999"/);
  });

  it('refuses a value without its `=` or its `@`, saying which form is expected', () => {
    const form = /expected FEATURE=DELTA@RECORD, e\.g\. bmi=0\.05@10000$/;
    refuses('bmi=0.05', form);
    refuses('bmi0.05@10', form);
    refuses('bmi', form);
    refuses('', form);
    refuses('=0.05@10', form);
    refuses('bmi=@10', form);
    refuses('bmi=0.05@', form);
  });

  it('refuses a RECORD that is negative, fractional, too big or not a number', () => {
    const record = (got: string): RegExp =>
      new RegExp(`RECORD must be a whole number ≥ 0 \\(a record's sequence number\\), got "${got}"$`);
    refuses('bmi=0.05@-1', record('-1'));
    refuses('bmi=0.05@2.5', record('2\\.5'));
    refuses('bmi=0.05@ten', record('ten'));
    refuses('bmi=0.05@1e3', record('1e3'));
    refuses('bmi=0.05@99999999999999999999', record('99999999999999999999'));
    refuses('bmi=0.05@5@6', record('5@6'));
  });
});

describe('parseDriftInjections', () => {
  it('splits each value on `;`, skips empty parts and keeps the order', () => {
    assert.deepEqual(parseDriftInjections(['bmi=0.05@10; bp=-1@0;;', ' ', 'age=2@3'], NAMES), [
      { feature: 'bmi', delta: 0.05, fromRecord: 10 },
      { feature: 'bp', delta: -1, fromRecord: 0 },
      { feature: 'age', delta: 2, fromRecord: 3 },
    ]);
    assert.deepEqual(parseDriftInjections([], NAMES), []);
    assert.deepEqual(parseDriftInjections([';', ''], NAMES), []);
  });

  it('refuses the whole list for one bad part, naming that part', () => {
    assert.throws(
      () => parseDriftInjections(['bmi=0.05@10;nope=1@0'], NAMES),
      (e: unknown) => e instanceof DriftInjectionError && /^--inject-drift "nope=1@0": /.test(e.message),
    );
  });
});

describe('compileDriftInjections', () => {
  const x: readonly number[] = Object.freeze([1, 2, 3, 4]);
  const at = (feature: (typeof NAMES)[number], delta: number, fromRecord: number): DriftInjection => ({
    feature,
    delta,
    fromRecord,
  });

  it('is undefined when nothing is injected', () => {
    assert.equal(compileDriftInjections([], NAMES), undefined);
  });

  it('gives back the very same vector before the first shifted record', () => {
    const shift = compileDriftInjections([at('bmi', 0.5, 10), at('bp', 1, 20)], NAMES);
    assert.ok(shift);
    assert.equal(shift(x, 0), x);
    assert.equal(shift(x, 9), x);
  });

  it('from the record on, a copy with only the chosen feature moved, by exactly delta', () => {
    const shift = compileDriftInjections([at('bmi', 0.05, 10)], NAMES);
    assert.ok(shift);
    for (const sequence of [10, 11, 1e9]) {
      const y = shift(x, sequence);
      assert.notEqual(y, x, `record ${sequence}: a copy`);
      assert.deepEqual(y, [1, 2, 3 + 0.05, 4], `record ${sequence}`);
    }
    assert.deepEqual(x, [1, 2, 3, 4], 'the input is never changed');
  });

  it('adds up the injections in force, each from its own record', () => {
    const shift = compileDriftInjections(
      [at('bmi', 0.5, 10), at('bp', -1, 20), at('bmi', 0.25, 30), at('age', 2, 20)],
      NAMES,
    );
    assert.ok(shift);
    assert.equal(shift(x, 9), x);
    assert.deepEqual(shift(x, 10), [1, 2, 3.5, 4]);
    assert.deepEqual(shift(x, 19), [1, 2, 3.5, 4]);
    assert.deepEqual(shift(x, 20), [3, 2, 3.5, 3]);
    assert.deepEqual(shift(x, 30), [3, 2, 3.75, 3]);
    assert.deepEqual(x, [1, 2, 3, 4]);
  });

  it('starts at the earliest record, whatever the order of the injections', () => {
    const shift = compileDriftInjections([at('bp', 1, 50), at('sex', 1, 5)], NAMES);
    assert.ok(shift);
    assert.equal(shift(x, 4), x);
    assert.deepEqual(shift(x, 5), [1, 3, 3, 4]);
    assert.deepEqual(shift(x, 50), [1, 3, 3, 5]);
  });
});
