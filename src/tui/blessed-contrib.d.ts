/**
 * The few parts of blessed-contrib 4.11 the dashboard uses (the package ships no type definitions). Widgets are
 * blessed boxes; only the options and methods the dashboard relies on are declared.
 */
declare module 'blessed-contrib' {
  import type { Widgets } from 'blessed';

  /** A colour name (`'yellow'`), `'normal'` (the terminal's default) or an xterm-256 index. */
  type Colour = string | number;

  namespace contrib {
    interface LineSeries {
      readonly title: string;
      /** Labels along the x axis, one per point. */
      readonly x: readonly string[];
      readonly y: readonly number[];
      readonly style?: { readonly line?: Colour };
    }

    interface LineOptions extends Widgets.BoxOptions {
      style?: Widgets.Types.TStyle & { line?: Colour; text?: Colour; baseline?: Colour };
      showLegend?: boolean;
      legend?: { width?: number };
      /** Lower end of the y axis. @default 0 */
      minY?: number;
      /** Upper end of the y axis; when absent (or 0) the largest value plus 20 %. */
      maxY?: number;
      numYLabels?: number;
      xLabelPadding?: number;
      xPadding?: number;
      wholeNumbersOnly?: boolean;
      abbreviate?: boolean;
    }

    /** A line chart drawn in braille dots. Its canvas is sized on `attach`: emit `attach` again after a resize. */
    interface LineElement extends Widgets.BoxElement {
      options: LineOptions;
      /** Throws unless the chart is attached to a screen. Needs at least one point per series. */
      setData(series: readonly LineSeries[]): void;
    }

    interface TableOptions extends Widgets.BoxOptions {
      /** Width of each column in characters. */
      columnWidth: number[];
      /** Spaces between columns. @default 10 */
      columnSpacing?: number;
      /** Whether rows can be selected with the keyboard. @default true */
      interactive?: boolean;
      keys?: boolean;
      fg?: Colour;
      selectedFg?: Colour;
      selectedBg?: Colour;
    }

    interface TableData {
      readonly headers: readonly string[];
      readonly data: readonly (readonly string[])[];
    }

    interface TableElement extends Widgets.BoxElement {
      options: TableOptions;
      setData(table: TableData): void;
    }

    function line(options: LineOptions): LineElement;
    function table(options: TableOptions): TableElement;
  }

  export = contrib;
}
