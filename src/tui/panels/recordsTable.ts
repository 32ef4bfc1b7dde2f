/** The table of the latest records: id, y_true, y_pred, absolute error. */
import contrib from 'blessed-contrib';
import type { MetricRecord } from '../../core/metricsBody.js';
import { clipLeft, formatValue } from '../format.js';
import type { Rect } from '../layout.js';
import type { Theme } from '../theme.js';

/** Cells between columns (blessed-contrib pads each column to its width plus spacing − 1). */
const SPACING = 2;
/** Widths of a number column, and the id column's share beyond which numbers get the room instead. */
const MIN_NUMBER_WIDTH = 7;
const MAX_NUMBER_WIDTH = 14;
const MAX_ID_WIDTH = 30;

export interface RecordsTableData {
  readonly columnWidth: number[];
  readonly headers: readonly string[];
  readonly data: readonly (readonly string[])[];
}

/** Rows a table `height` cells high shows (border, header and the gap under it take 4). */
export const tableRows = (height: number): number => Math.max(0, height - 4);

/**
 * The newest `rows` of `latest` (newest first) for a table `width` cells wide, border included. The id column
 * takes the width the three numbers leave, up to MAX_ID_WIDTH; a long id is cut from the left, as its end is
 * what differs from one record to the next.
 */
export function recordsTableData(
  latest: readonly MetricRecord[],
  width: number,
  rows: number,
): RecordsTableData {
  // The table's rows are 3 cells narrower than the widget, and every column takes SPACING − 1 more cells.
  const room = width - 3 - 4 * (SPACING - 1);
  const idWidth = Math.max(4, Math.min(MAX_ID_WIDTH, room - 3 * MIN_NUMBER_WIDTH));
  const numberWidth = Math.max(
    MIN_NUMBER_WIDTH,
    Math.min(MAX_NUMBER_WIDTH, Math.floor((room - idWidth) / 3)),
  );
  const num = (x: number): string => formatValue(x).padStart(numberWidth);
  return {
    columnWidth: [idWidth, numberWidth, numberWidth, numberWidth],
    headers: ['id'.padEnd(idWidth), ...['y_true', 'y_pred', '|error|'].map((h) => h.padStart(numberWidth))],
    data: latest
      .slice(0, rows)
      .map((r) => [clipLeft(String(r.id), idWidth), num(r.y_true), num(r.y_pred), num(r.absolute_error)]),
  };
}

export function createRecordsTable(rect: Rect, theme: Theme): contrib.TableElement {
  return contrib.table({
    ...rect,
    label: ' latest records ',
    border: { type: 'line' },
    interactive: false,
    keys: false,
    columnSpacing: SPACING,
    columnWidth: recordsTableData([], rect.width, 0).columnWidth,
    fg: theme.colour ? 'white' : 'normal',
    selectedFg: 'normal',
    selectedBg: 'normal',
    ...(theme.border ? { style: { border: { fg: theme.border } } } : {}),
  });
}

export function renderRecordsTable(table: contrib.TableElement, data: RecordsTableData): void {
  table.options.columnWidth = data.columnWidth;
  table.setData({ headers: data.headers, data: data.data });
}
