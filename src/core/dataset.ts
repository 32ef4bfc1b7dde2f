/**
 * Parsing of a training data set: a comma-separated file with one header line, numeric feature columns and one
 * numeric target column. Pure: the caller reads the file.
 *
 * Every problem is a `DatasetError` that names the source and, when there is one, the line, the row and the
 * column, so a user can open the file and fix it.
 */
import Papa from 'papaparse';

/** A data set ready for fitting: `X[i]` holds the features of row `i` in `featureNames` order, `y[i]` its target. */
export interface Dataset {
  /** The feature columns in file order, the target column left out. */
  readonly featureNames: string[];
  readonly target: string;
  readonly X: number[][];
  readonly y: number[];
}

/** A data set that cannot be used, with where it went wrong. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    message: string,
    /** The file (or other source) being parsed. */
    readonly source: string,
    /** 1-based line in the source, when the problem sits on one line. */
    readonly line?: number,
    options?: ErrorOptions,
  ) {
    super(line === undefined ? `${source}: ${message}` : `${source}, line ${line}: ${message}`, options);
  }
}

// Plain decimal notation only: `Number()` alone would also take '', ' ', '0x1A', '0b1' and 'Infinity', none of
// which belongs in a data set.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Parses one cell, or returns why it is not a finite number. */
function parseCell(raw: string): number | string {
  const cell = raw.trim();
  if (cell === '') return 'is empty';
  if (/^[+-]?(?:nan|inf|infinity)$/i.test(cell)) return `is ${cell}, not a finite number`;
  if (!DECIMAL.test(cell)) return `is ${quote(cell)}, not a number`;
  const value = Number(cell);
  return Number.isFinite(value) ? value : `is ${quote(cell)}, out of the range of a 64-bit float`;
}

/** Counts line breaks (`\n`, `\r\n` or a lone `\r`) in `text[from, to)`. */
function countLineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

// Only a line with nothing on it is skipped: a row of empty cells (",,,") is refused like any empty cell, so no
// row of the file is dropped without a word.
const isBlankLine = (row: readonly string[]): boolean => row.length === 1 && (row[0] ?? '').trim() === '';

/**
 * Parses CSV text into a data set. Numbers keep full float64 precision (each cell goes through `Number()`, the
 * shortest round-trip form in the file gives back the exact value that was written).
 *
 * Accepted: `\n` or `\r\n` line ends, a UTF-8 byte order mark, blank lines (skipped), spaces around cells and
 * header names. Refused with a `DatasetError`: no header, a duplicate or empty column name, no `target` column,
 * no feature column, no data row, a row with too few or too many cells, a cell that is empty, not a number, NaN
 * or infinite, and broken quoting.
 *
 * @param csvText the whole file.
 * @param target the name of the column to predict; every other column is a feature.
 * @param source names the file in error messages.
 *
 * @example
 * ```ts
 * const ds = parseDataset('a,b,y\n1,2,3\n4,5,6\n', 'y', 'inline');
 * // ds.featureNames = ['a', 'b'], ds.X = [[1, 2], [4, 5]], ds.y = [3, 6]
 * ```
 */
export function parseDataset(csvText: string, target: string, source = '<dataset>'): Dataset {
  const text = csvText.charCodeAt(0) === 0xfeff ? csvText.slice(1) : csvText;

  let header: string[] | undefined;
  let targetIndex = -1;
  let featureIndexes: number[] = [];
  const X: number[][] = [];
  const y: number[] = [];
  let failure: DatasetError | undefined;

  // The cursor papaparse reports after each row lets us name the line a row starts on, even when blank lines
  // or quoted line breaks make line and row numbers differ.
  let rowStart = 0;
  let lineAtRowStart = 1;

  const handleRow = (cells: string[], line: number, errors: readonly Papa.ParseError[]): void => {
    const [quoting] = errors;
    if (quoting !== undefined) throw new DatasetError(`malformed CSV: ${quoting.message}`, source, line);
    if (isBlankLine(cells)) return;

    if (header === undefined) {
      header = cells.map((c) => c.trim());
      const seen = new Set<string>();
      header.forEach((name, i) => {
        if (name === '') throw new DatasetError(`column ${i + 1} of the header has no name`, source, line);
        if (seen.has(name))
          throw new DatasetError(`column ${quote(name)} appears twice in the header`, source, line);
        seen.add(name);
      });
      targetIndex = header.indexOf(target);
      if (targetIndex === -1)
        throw new DatasetError(
          `no target column ${quote(target)}; the columns are ${header.map(quote).join(', ')}`,
          source,
          line,
        );
      featureIndexes = header.map((_, i) => i).filter((i) => i !== targetIndex);
      if (featureIndexes.length === 0)
        throw new DatasetError(
          `no feature column: the only column is the target ${quote(target)}`,
          source,
          line,
        );
      return;
    }

    const names = header;
    const rowNumber = y.length + 1;
    if (cells.length !== names.length)
      throw new DatasetError(
        `row ${rowNumber} has ${cells.length} cells; the header has ${names.length} columns`,
        source,
        line,
      );
    const values: number[] = new Array<number>(cells.length);
    for (let j = 0; j < cells.length; j++) {
      const parsed = parseCell(cells[j] ?? '');
      if (typeof parsed === 'string')
        throw new DatasetError(
          `row ${rowNumber}, column ${quote(names[j] ?? '')}: the cell ${parsed}`,
          source,
          line,
        );
      values[j] = parsed;
    }
    X.push(featureIndexes.map((j) => values[j] ?? NaN));
    y.push(values[targetIndex] ?? NaN);
  };

  Papa.parse<string[]>(text, {
    delimiter: ',',
    header: false,
    dynamicTyping: false,
    skipEmptyLines: false,
    step: (result, parser) => {
      if (failure !== undefined) return;
      const line = lineAtRowStart;
      try {
        handleRow(result.data, line, result.errors);
      } catch (e) {
        if (!(e instanceof DatasetError)) throw e;
        failure = e;
        parser.abort();
        return;
      }
      lineAtRowStart += countLineBreaks(text, rowStart, result.meta.cursor);
      rowStart = result.meta.cursor;
    },
  });

  if (failure !== undefined) throw failure;
  if (header === undefined) throw new DatasetError('the file is empty: expected a header line', source);
  if (y.length === 0) throw new DatasetError('no data rows after the header', source);
  return { featureNames: featureIndexes.map((j) => header?.[j] ?? ''), target, X, y };
}
