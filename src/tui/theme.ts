/**
 * Colours, or none: NO_COLOR (any non-empty value, see no-color.org) and TERM=dumb turn every colour off, and
 * the panels then tell their series apart by their labels and shapes alone. Pure.
 */

export interface Theme {
  readonly colour: boolean;
  /** Border colour of the panels; `undefined`: the terminal's default. */
  readonly border: string | undefined;
  /** Colours of the chart's two lines and its axis text; `normal` is the terminal's default. */
  readonly errorsLine: string;
  readonly maeLine: string;
  readonly chartText: string;
  /** Figures that need attention (connection lost, dead letters). */
  readonly alert: string | undefined;
  readonly bars: string | undefined;
}

const COLOURED: Theme = {
  colour: true,
  border: 'cyan',
  errorsLine: 'yellow',
  maeLine: 'magenta',
  chartText: 'white',
  alert: 'red',
  bars: 'green',
};

const PLAIN: Theme = {
  colour: false,
  border: undefined,
  errorsLine: 'normal',
  maeLine: 'normal',
  chartText: 'normal',
  alert: undefined,
  bars: undefined,
};

export function themeFor(env: Readonly<Record<string, string | undefined>>): Theme {
  const noColour = (env.NO_COLOR ?? '') !== '' || env.TERM === 'dumb';
  return noColour ? PLAIN : COLOURED;
}
