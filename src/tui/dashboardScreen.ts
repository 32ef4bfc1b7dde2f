/**
 * The blessed screen and its panels: placing them by the layout (again on every resize) and drawing a view into
 * them. Everything it shows is computed by the panels' pure functions; this file only moves it onto the screen.
 */
import type { Readable, Writable } from 'node:stream';
import blessed from 'blessed';
import type contrib from 'blessed-contrib';
import { layoutFor, type Layout, type PanelName, type Rect } from './layout.js';
import { chartPoints, createErrorChart, errorChartData, renderErrorChart } from './panels/errorChart.js';
import { alertBanner, createAlertBanner, renderAlertBanner } from './panels/alertBanner.js';
import { createDrift, driftData, renderDrift } from './panels/drift.js';
import { createFigures, figures, renderFigures } from './panels/figures.js';
import {
  createHelpLine,
  createHelpOverlay,
  helpLine,
  tooSmallText,
  type UiState,
} from './panels/helpLine.js';
import { createHistogram, histogramData, renderHistogram } from './panels/histogram.js';
import {
  createRecordsTable,
  recordsTableData,
  renderRecordsTable,
  tableRows,
} from './panels/recordsTable.js';
import type { Theme } from './theme.js';
import type { DashboardView } from './viewModel.js';

export interface ScreenStreams {
  /** Keys come from here. @default process.stdin */
  readonly input?: NodeJS.ReadableStream;
  /** The screen is drawn here; it needs `columns`, `rows` and `isTTY`. @default process.stdout */
  readonly output?: NodeJS.WritableStream;
  /** terminfo name. @default $TERM, else xterm */
  readonly terminal?: string;
}

/** A blessed cell: attributes and character. */
type Cell = [number, string];

const HIDDEN: Rect = { left: 0, top: 0, width: 1, height: 1 };

const place = (el: Pick<blessed.Widgets.BoxElement, 'left' | 'top' | 'width' | 'height'>, r: Rect): void => {
  el.left = r.left;
  el.top = r.top;
  el.width = r.width;
  el.height = r.height;
};

export class DashboardScreen {
  readonly screen: blessed.Widgets.Screen;
  private layout: Layout;
  private readonly chart: contrib.LineElement;
  private readonly figures: blessed.Widgets.BoxElement;
  private readonly histogram: blessed.Widgets.BoxElement;
  private readonly table: contrib.TableElement;
  private readonly drift: blessed.Widgets.BoxElement;
  private readonly banner: blessed.Widgets.BoxElement;
  /** Whether the layout has room for the banner: it does while alerts fire. */
  private withBanner = false;
  private readonly help: blessed.Widgets.BoxElement;
  private readonly helpOverlay: blessed.Widgets.BoxElement;
  private readonly notice: blessed.Widgets.BoxElement;

  constructor(
    streams: ScreenStreams,
    private readonly theme: Theme,
    title: string,
  ) {
    this.screen = blessed.screen({
      // @types/blessed has these two the wrong way round.
      input: (streams.input ?? process.stdin) as unknown as Writable,
      output: (streams.output ?? process.stdout) as unknown as Readable,
      ...(streams.terminal !== undefined ? { terminal: streams.terminal } : {}),
      smartCSR: true,
      autoPadding: true,
      warnings: false,
      title,
    });
    this.layout = layoutFor(this.screen.width as number, this.screen.height as number);
    const at = (name: PanelName): Rect => (this.layout.fits ? this.layout[name] : HIDDEN);
    // Created at their place: blessed-contrib sizes a chart's canvas when it is attached.
    this.chart = createErrorChart(at('chart'), theme);
    this.figures = createFigures(at('figures'), theme);
    this.histogram = createHistogram(at('histogram'), theme);
    this.table = createRecordsTable(at('table'), theme);
    this.drift = createDrift(at('drift'), theme);
    this.banner = createAlertBanner(HIDDEN, theme);
    this.help = createHelpLine(this.layout.fits ? this.layout.help : HIDDEN, theme);
    this.helpOverlay = createHelpOverlay(theme);
    this.notice = blessed.box({ top: 0, left: 0, width: '100%', height: '100%', hidden: true });
    for (const el of [
      this.chart,
      this.figures,
      this.histogram,
      this.table,
      this.drift,
      this.banner,
      this.help,
      this.helpOverlay,
      this.notice,
    ])
      this.screen.append(el);
    this.relayout();
  }

  /** Places the panels for the terminal's current size (call it on `resize`), with room for the banner or not. */
  relayout(banner = this.withBanner): void {
    this.withBanner = banner;
    this.layout = layoutFor(this.screen.width as number, this.screen.height as number, banner);
    const panels = [this.chart, this.figures, this.histogram, this.drift, this.table, this.help];
    if (!this.layout.fits) {
      this.banner.hide();
      for (const p of panels) p.hide();
      this.notice.setContent(tooSmallText(this.layout.cols, this.layout.rows));
      this.notice.show();
      return;
    }
    this.notice.hide();
    place(this.chart, this.layout.chart);
    place(this.figures, this.layout.figures);
    place(this.histogram, this.layout.histogram);
    place(this.table, this.layout.table);
    place(this.drift, this.layout.drift);
    place(this.help, this.layout.help);
    if (this.layout.banner) place(this.banner, this.layout.banner);
    for (const p of panels) p.show();
    // blessed-contrib sizes the chart's canvas on `attach` only.
    this.chart.emit('attach');
  }

  /** Draws `view` and renders the screen. */
  draw(view: DashboardView, ui: UiState, options: { countsJoined: boolean }): void {
    const bannerLine = alertBanner(view.watch.firing, this.screen.width as number);
    // An alert starting or stopping moves the panels by the banner's line.
    if ((bannerLine !== undefined) !== this.withBanner) this.relayout(bannerLine !== undefined);
    const l = this.layout;
    if (l.fits) {
      const inner = (r: Rect): { width: number; height: number } => ({
        width: r.width - 2,
        height: r.height - 2,
      });
      renderErrorChart(
        this.chart,
        errorChartData(view.window, chartPoints(l.chart.width), inner(l.chart).width),
        this.theme,
      );
      renderFigures(this.figures, figures(view, options), l.figures, this.theme);
      const h = inner(l.histogram);
      renderHistogram(this.histogram, histogramData(view.histogram, h.width, h.height));
      renderRecordsTable(this.table, recordsTableData(view.latest, l.table.width, tableRows(l.table.height)));
      const d = inner(l.drift);
      renderDrift(this.drift, driftData(view.watch.summary?.drift, d.width, d.height), this.theme);
      renderAlertBanner(this.banner, bannerLine);
      this.help.setContent(helpLine(ui, view.source, l.help.width));
    }
    if (ui.helpOpen) this.helpOverlay.show();
    else this.helpOverlay.hide();
    this.screen.render();
  }

  /** The frame last rendered, as text: one line per row (for tests and the bench). */
  text(): string {
    const lines = (this.screen as unknown as { lines: Cell[][] }).lines;
    return lines.map((row) => row.map((cell) => cell[1]).join('')).join('\n');
  }

  /** Leaves the alternate screen and gives the terminal back as it was. */
  destroy(): void {
    this.screen.destroy();
  }
}
