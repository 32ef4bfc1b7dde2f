/**
 * The metric log, `logs/metric_log.csv`: formatting, incremental line splitting and parsing of its rows. Pure.
 *
 * Format (compatible with the original Python services): a header line `id,y_true,y_pred,absolute_error`, then
 * one line per joined record, numbers written as JavaScript's `String(x)` (shortest round-trip). Fields follow
 * RFC 4180: a field containing `,`, `"`, CR or LF is quoted, quotes doubled. Ids are typed by quoting: an
 * unquoted id that reads as a number is a number id, anything else is a string id, so a string id that reads as
 * a number (`"17"`) is always written quoted; `17` and `"17"` are different records (see `idKey`).
 */
import { validateId, type Check } from './codec.js';
import type { RecordId } from './envelope.js';
import type { MetricRecord } from './metricsBody.js';

/** The header line, without its line feed. */
export const METRIC_CSV_HEADER = 'id,y_true,y_pred,absolute_error';

/**
 * A record longer than this (in UTF-16 code units) is malformed whatever it holds: the longest valid one, an id
 * of 256 quotes (doubled, in quotes) and three long numbers, has about 600. `splitLines` uses it to resynchronise
 * after an unclosed quote instead of holding the rest of the file as one pending record.
 */
export const MAX_RECORD_LENGTH = 1024;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A decimal number as CSV writers spell it (`12`, `-0.5`, `1e-7`, `151.0`); not `NaN`, `Infinity` or hex. */
const readNumber = (s: string): number | undefined => {
  if (!NUMBER.test(s)) return undefined;
  const x = Number(s);
  return Number.isFinite(x) ? x : undefined;
};

const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;

const formatId = (id: RecordId): string => {
  const valid = validateId(id);
  if (!valid.ok) throw new RangeError(valid.reason);
  if (typeof id === 'number') return String(id);
  return NEEDS_QUOTES.test(id) || readNumber(id) !== undefined ? quote(id) : id;
};

const formatNumber = (name: string, x: number): string => {
  if (!Number.isFinite(x)) throw new RangeError(`${name} must be finite, got ${x}`);
  return String(x);
};

/**
 * One CSV line for `rec`, with its trailing `\n`. Throws a `RangeError` for a non-finite number, a negative error or an
 * invalid id (see `validateId`): `parseMetricRow` would refuse the row.
 */
export function formatMetricRow(rec: MetricRecord): string {
  if (rec.absolute_error < 0) throw new RangeError(`absolute_error must be >= 0, got ${rec.absolute_error}`);
  return (
    `${formatId(rec.id)},${formatNumber('y_true', rec.y_true)},${formatNumber('y_pred', rec.y_pred)},` +
    `${formatNumber('absolute_error', rec.absolute_error)}\n`
  );
}

/** True for the header line (with or without a trailing CR). */
export const isMetricCsvHeader = (line: string): boolean =>
  line === METRIC_CSV_HEADER || line === `${METRIC_CSV_HEADER}\r`;

/**
 * Splits text read so far into complete records. Call it with what was left over last time and the new chunk;
 * it returns the complete lines (without their `\n`; a CR before it is kept) and the unfinished tail, to pass
 * back in next time.
 *
 * Only the id can be quoted, so only a line feed inside a quoted id (one that starts its record with `"`) does
 * not end a record; quotes elsewhere, which make a row malformed, never hold the next rows back. An id whose
 * quote is never closed ends at the first line feed past `MAX_RECORD_LENGTH`.
 *
 * @example
 * ```ts
 * splitLines('a,1', ',2,1\nb,'); // { lines: ['a,1,2,1'], remainder: 'b,' }
 * ```
 */
export function splitLines(remainder: string, chunk: string): { lines: string[]; remainder: string } {
  const text = remainder + chunk;
  const lines: string[] = [];
  let start = 0;
  let inQuotes = false;
  let pastId = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF && (!inQuotes || i - start > MAX_RECORD_LENGTH)) {
      lines.push(text.slice(start, i));
      start = i + 1;
      inQuotes = false;
      pastId = false;
    } else if (!pastId) {
      // A doubled quote inside the id toggles twice, which leaves the state as it was.
      if (text.charCodeAt(start) !== QUOTE) pastId = true;
      else if (c === QUOTE) inQuotes = !inQuotes;
      else if (c === COMMA && !inQuotes) pastId = true;
    }
  }
  return { lines, remainder: text.slice(start) };
}

/** Splits one record into its fields (RFC 4180), marking which were quoted; `undefined` if malformed. */
function splitFields(line: string): { text: string; quoted: boolean }[] | undefined {
  const fields: { text: string; quoted: boolean }[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close === -1) return undefined;
        text += line.slice(i, close);
        i = close + 1;
        if (line[i] !== '"') break;
        text += '"';
        i++;
      }
      fields.push({ text, quoted: true });
      if (i === line.length) return fields;
      if (line[i] !== ',') return undefined;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      const text = line.slice(i, end);
      if (text.includes('"')) return undefined;
      fields.push({ text, quoted: false });
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}

/**
 * Parses one data line (not the header; without its `\n`, a trailing CR is ignored). Never throws: a malformed
 * line gives the reason. `absolute_error` must be `>= 0`; it is not checked against `|y_true - y_pred|`.
 */
export function parseMetricRow(line: string): Check<MetricRecord> {
  const fail = (reason: string): Check<MetricRecord> => ({ ok: false, reason });
  const body = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (body.length === 0) return fail('empty line');
  if (body.length > MAX_RECORD_LENGTH) return fail(`line is ${body.length} characters long`);
  const fields = splitFields(body);
  if (fields === undefined) return fail('malformed quoting');
  if (fields.length !== 4) return fail(`expected 4 fields, got ${fields.length}`);
  const [idField, ...numberFields] = fields as [(typeof fields)[0], ...typeof fields];
  const numbers: number[] = [];
  for (const [k, f] of numberFields.entries()) {
    const name = (['y_true', 'y_pred', 'absolute_error'] as const)[k];
    const x = f.quoted ? undefined : readNumber(f.text);
    if (x === undefined)
      return fail(`${name} must be a finite number, got ${JSON.stringify(f.text.slice(0, 40))}`);
    numbers.push(x);
  }
  const [y_true, y_pred, absolute_error] = numbers as [number, number, number];
  if (absolute_error < 0) return fail(`absolute_error must be >= 0, got ${absolute_error}`);
  const rawId: RecordId = idField.quoted ? idField.text : (readNumber(idField.text) ?? idField.text);
  const id = validateId(rawId);
  if (!id.ok) return fail(id.reason);
  return { ok: true, value: { id: id.value, y_true, y_pred, absolute_error } };
}
