import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import {
  formatMetricRow,
  isMetricCsvHeader,
  MAX_RECORD_LENGTH,
  METRIC_CSV_HEADER,
  parseMetricRow,
  splitLines,
} from '../../src/core/metricCsv.js';

const random = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const parsed = (line: string): MetricRecord => {
  const r = parseMetricRow(line);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.value;
};

const rec = (id: MetricRecord['id'], y_true = 151, y_pred = 163.27012342398): MetricRecord => ({
  id,
  y_true,
  y_pred,
  absolute_error: Math.abs(y_true - y_pred),
});

describe('formatMetricRow', () => {
  it('writes the documented format', () => {
    assert.equal(METRIC_CSV_HEADER, 'id,y_true,y_pred,absolute_error');
    assert.equal(
      formatMetricRow({
        id: 'k3j9x2:17',
        y_true: 151,
        y_pred: 163.27012342398,
        absolute_error: 12.27012342398,
      }),
      'k3j9x2:17,151,163.27012342398,12.27012342398\n',
    );
    assert.equal(
      formatMetricRow({ id: 1669147134.196809, y_true: -0.5, y_pred: 1e-7, absolute_error: 0.5000001 }),
      '1669147134.196809,-0.5,1e-7,0.5000001\n',
    );
  });

  it('quotes ids that need it (RFC 4180), and string ids that would read as numbers', () => {
    const idField = (id: string): string => formatMetricRow(rec(id)).split(',151,')[0]!;
    assert.equal(idField('a,b'), '"a,b"');
    assert.equal(idField('say "hi"'), '"say ""hi"""');
    assert.equal(idField('two\nlines'), '"two\nlines"');
    assert.equal(idField('cr\r'), '"cr\r"');
    assert.equal(idField('17'), '"17"');
    assert.equal(idField('1e5'), '"1e5"');
    assert.equal(idField('17a'), '17a');
  });

  it('refuses rows that could not be read back', () => {
    assert.throws(() => formatMetricRow({ ...rec('a'), y_pred: NaN }), RangeError);
    assert.throws(() => formatMetricRow({ ...rec('a'), absolute_error: Infinity }), RangeError);
    assert.throws(() => formatMetricRow({ ...rec('a'), absolute_error: -1 }), RangeError);
    assert.throws(() => formatMetricRow(rec('')), RangeError);
    assert.throws(() => formatMetricRow(rec(NaN)), RangeError);
  });
});

describe('parseMetricRow', () => {
  it('reads the documented format and types ids by quoting', () => {
    assert.deepEqual(parsed('k3j9x2:17,151,163.27012342398,12.27012342398'), {
      id: 'k3j9x2:17',
      y_true: 151,
      y_pred: 163.27012342398,
      absolute_error: 12.27012342398,
    });
    assert.equal(parsed('17,1,2,1').id, 17);
    assert.equal(parsed('"17",1,2,1').id, '17');
    assert.equal(parsed('"a ""b"", c",1,2,1').id, 'a "b", c');
  });

  it("reads the original Python services' rows (float ids, 151.0, 1e-05, CRLF)", () => {
    assert.deepEqual(parsed('1669147134.196809,151.0,163.27,12.27\r'), {
      id: 1669147134.196809,
      y_true: 151,
      y_pred: 163.27,
      absolute_error: 12.27,
    });
    assert.equal(parsed('x,1,1.00001,1e-05').absolute_error, 1e-5);
  });

  it('refuses malformed rows with a reason, never throwing', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['a,1,2', /4 fields/],
      ['a,1,2,1,5', /4 fields/],
      ['a,one,2,1', /y_true/],
      ['a,1,NaN,1', /y_pred/],
      ['a,1,2,Infinity', /absolute_error/],
      ['a,1,2,1e400', /absolute_error/],
      ['a,1,2,0x10', /absolute_error/],
      ['a,1,2,', /absolute_error/],
      ['a,1,3,-2', />= 0/],
      ['a,1,2,"1"', /absolute_error/],
      [',1,2,1', /empty string/],
      ['"a,1,2,1', /quoting/],
      ['"a"b,1,2,1', /quoting/],
      ['a"b,1,2,1', /quoting/],
      [`${'x'.repeat(300)},1,2,1`, /256/],
      [`"${'x'.repeat(MAX_RECORD_LENGTH)}",1,2,1`, /characters long/],
    ];
    for (const [line, reason] of bad) {
      const r = parseMetricRow(line);
      assert.equal(r.ok, false, line);
      if (!r.ok) assert.match(r.reason, reason, line);
    }
  });

  it('recognises the header, with or without CR', () => {
    assert.ok(isMetricCsvHeader(METRIC_CSV_HEADER));
    assert.ok(isMetricCsvHeader(`${METRIC_CSV_HEADER}\r`));
    assert.ok(!isMetricCsvHeader('a,1,2,1'));
  });
});

describe('splitLines', () => {
  it('returns complete lines and keeps a partial one', () => {
    assert.deepEqual(splitLines('a,1', ',2,1\nb,'), { lines: ['a,1,2,1'], remainder: 'b,' });
    assert.deepEqual(splitLines('b,', '1,2,1\n'), { lines: ['b,1,2,1'], remainder: '' });
    assert.deepEqual(splitLines('', 'x\n\ny\r\n'), { lines: ['x', '', 'y\r'], remainder: '' });
  });

  it('does not end a record at a line feed inside quotes', () => {
    assert.deepEqual(splitLines('', '"two\nlines",1,2,1\nnext'), {
      lines: ['"two\nlines",1,2,1'],
      remainder: 'next',
    });
    assert.deepEqual(splitLines('"two\n', 'lines",1,2,1\n'), {
      lines: ['"two\nlines",1,2,1'],
      remainder: '',
    });
  });

  it('lets a stray quote outside a quoted id hold nothing back', () => {
    assert.deepEqual(splitLines('', 'a,"1,2,1\nb"c,1,2,1\n"d"x,1,2,1\ne,1,2,1\n'), {
      lines: ['a,"1,2,1', 'b"c,1,2,1', '"d"x,1,2,1', 'e,1,2,1'],
      remainder: '',
    });
  });

  it('resynchronises after an unclosed quoted id once the record is too long', () => {
    const junk = `"${'x'.repeat(MAX_RECORD_LENGTH)}\n`;
    const { lines, remainder } = splitLines('', `${junk}a,1,2,1\n`);
    assert.equal(lines.length, 2);
    assert.equal(lines[1], 'a,1,2,1');
    assert.equal(remainder, '');
  });

  it('round-trips random records split into random chunks', () => {
    const r = random(11);
    const pieces = ['a', 'Z', '9', ',', '"', '\n', '\r', ' ', 'é', '😀', ':', '-', '.', 'e'];
    const records: MetricRecord[] = Array.from({ length: 300 }, () => {
      const id =
        r() < 0.3
          ? Math.round(r() * 1e6) / (r() < 0.5 ? 1 : 1000)
          : Array.from(
              { length: 1 + Math.floor(r() * 12) },
              () => pieces[Math.floor(r() * pieces.length)],
            ).join('');
      const y_true = (r() - 0.5) * 10 ** Math.floor(r() * 8 - 3);
      const y_pred = (r() - 0.5) * 10 ** Math.floor(r() * 8 - 3);
      return { id, y_true, y_pred, absolute_error: Math.abs(y_true - y_pred) };
    });
    const text = `${METRIC_CSV_HEADER}\n${records.map(formatMetricRow).join('')}`;
    const lines: string[] = [];
    let remainder = '';
    for (let i = 0; i < text.length;) {
      const n = 1 + Math.floor(r() * 40);
      const split = splitLines(remainder, text.slice(i, i + n));
      lines.push(...split.lines);
      remainder = split.remainder;
      i += n;
    }
    assert.equal(remainder, '');
    assert.ok(isMetricCsvHeader(lines[0]!));
    assert.deepEqual(lines.slice(1).map(parsed), records);
  });
});
