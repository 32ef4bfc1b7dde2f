/** The duration grammar of the CLI's options: what people type, and what is refused rather than guessed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DURATION_UNITS_MS, formatDuration, parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it('reads each unit, fractions and a plain number as milliseconds', () => {
    const cases: [string, number][] = [
      ['500ms', 500],
      ['2s', 2000],
      ['1.5s', 1500],
      ['.5s', 500],
      ['2m', 120_000],
      ['1h', 3_600_000],
      ['0.25h', 900_000],
      ['250', 250],
      ['0', 0],
      ['0s', 0],
      ['1.5', 1.5],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });

  it('refuses what it would have to guess at: empty, negative, spaces, unknown units, exponents', () => {
    for (const text of [
      '',
      ' ',
      '-5',
      '-1s',
      '5 s',
      ' 5s',
      '5s ',
      '5x',
      '5sec',
      '5S',
      '1d',
      's',
      '1e3',
      '1.',
      '1..5s',
      '2s3',
      'NaN',
      'Infinity',
      '0x10',
    ])
      assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  });
});

describe('formatDuration', () => {
  it('writes the largest whole unit, and parseDuration reads it back', () => {
    const cases: [number, string][] = [
      [30_000, '30s'],
      [120_000, '2m'],
      [7_200_000, '2h'],
      [1500, '1500ms'],
      [90_000, '90s'],
      [0, '0ms'],
    ];
    for (const [ms, text] of cases) {
      assert.equal(formatDuration(ms), text);
      assert.equal(parseDuration(text), ms);
    }
  });

  it('has one table of units, the one alert rules read too', () => {
    assert.deepEqual(DURATION_UNITS_MS, { ms: 1, s: 1000, m: 60_000, h: 3_600_000 });
  });
});
