/**
 * The bench's results: one report (machine, date, options, figures), printed as one Markdown table (the README
 * keeps the latest one) and written as JSON to `<results>/<date>-<host>.json` and `<results>/latest.json`.
 */
import { mkdir } from 'node:fs/promises';
import { cpus, hostname, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/files/writeFileAtomic.js';
import type { ProfileEntry } from './cpuProfile.js';
import type { Figure } from './figures.js';
import type { BenchOptions } from './options.js';

export const REPORT_SCHEMA = 1;

export interface MachineInfo {
  readonly host: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  /** 1, 5 and 15 minute load averages when the bench started: how busy the machine was. */
  readonly loadAverage: readonly number[];
  readonly node: string;
}

export interface BenchReport {
  readonly schema: typeof REPORT_SCHEMA;
  /** When the bench started, ISO 8601. */
  readonly date: string;
  readonly machine: MachineInfo;
  /** `dist`: compiled, as users run it (`npm run bench`); `tsx`: from the sources, start-up slower. */
  readonly build: 'dist' | 'tsx';
  readonly options: Omit<BenchOptions, 'resultsDir'>;
  readonly durationS: number;
  readonly figures: readonly Figure[];
  /** Top self-time entries of a profiled memory run (`--profile`). */
  readonly profile?: readonly ProfileEntry[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    host: hostname(),
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
  };
}

const grouped = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A value in its unit, with as many digits as are worth reading. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'records/s':
    case 'messages/s':
      return `${grouped(value)} ${unit}`;
    case 'ratio':
      return value.toFixed(2);
    case 'MiB':
      return `${grouped(value, 1)} MiB`;
    case 'ms':
      return `${grouped(value, Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0)} ms`;
    default:
      return `${grouped(value, 2)} ${unit}`;
  }
}

const RESULT: Record<Figure['status'], string> = {
  pass: 'pass',
  miss: '**miss**',
  info: '',
  skipped: 'skipped',
  failed: '**FAILED**',
};

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The report as Markdown: a heading line, one table, and the notes as numbered footnotes. */
export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const o = report.options;
  const heading =
    `rx-ml-pipeline bench, ${report.date.slice(0, 16).replace('T', ' ')} UTC on ${m.host}: ${m.cpus} × ${m.cpuModel}, ` +
    `${m.memoryGiB} GiB, ${m.os}, node ${m.node}, load ${m.loadAverage.join(' ')}; build ${report.build}, ` +
    `scale ${o.scale}, median of ${o.runs} run${o.runs === 1 ? '' : 's'}; ${report.durationS.toFixed(0)} s`;
  const notes: string[] = [];
  const rows = report.figures.map((f) => {
    let label = f.label;
    if (f.note) {
      if (!notes.includes(f.note)) notes.push(f.note);
      label += ` [${notes.indexOf(f.note) + 1}]`;
    }
    const target = f.target
      ? `${f.target.op === '>=' ? '≥' : '≤'} ${formatValue(f.target.value, f.unit)}`
      : '';
    const value = f.value === null ? '–' : formatValue(f.value, f.unit);
    return [f.group, label, value, target, RESULT[f.status], String(f.samples.length)].map(cell);
  });
  const header = ['benchmark', 'figure', 'value', 'target', 'result', 'runs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 2 || i === 5 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 2 || i === 5 ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [
    heading,
    '',
    line(header),
    rule,
    ...rows.map(line),
    ...(notes.length > 0 ? ['', ...notes.map((n, i) => `[${i + 1}] ${n}`)] : []),
  ].join('\n');
}

/** The file name of a report: `<YYYY-MM-DD>-<host>.json`, the host made safe for any file system. */
export const reportFileName = (report: BenchReport): string =>
  `${report.date.slice(0, 10)}-${report.machine.host.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;

/** Writes the report as `<date>-<host>.json` and `latest.json` in `dir`; returns both paths. */
export async function writeReport(report: BenchReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files = [join(dir, reportFileName(report)), join(dir, 'latest.json')];
  for (const file of files) await writeFileAtomic(file, json);
  return files;
}
