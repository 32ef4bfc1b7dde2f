/**
 * Command-line options of `npm run bench` (bench/run.ts). Pure: argv in, options out.
 */
import { parseArgs } from 'node:util';

/** The transports a benchmark can run over; the names are the CLI's transport names. */
export const TRANSPORTS = ['memory', 'amqp', 'nats', 'nats-core'] as const;
export type BenchTransport = (typeof TRANSPORTS)[number];
export type BrokerTransport = Exclude<BenchTransport, 'memory'>;

/** The benchmarks, numbered as in the report: 1+2+4 share their runs (`throughput`); 7 is `partitions`. */
export const BENCHMARKS = ['throughput', 'latency', 'metric-rss', 'plot', 'startup', 'partitions'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface BenchOptions {
  /** Benchmarks to run. */
  readonly benchmarks: readonly BenchmarkName[];
  /** Transports to run them over (plot and start-up count as `memory`, metric-rss as `rssTransport`). */
  readonly transports: readonly BenchTransport[];
  /** Multiplies every record count and duration: 0.1 for a quick look, 1 for the published figures. */
  readonly scale: number;
  /** Runs per figure; each figure is the median of its runs. */
  readonly runs: number;
  /** Where the JSON goes; null: write nothing. */
  readonly resultsDir: string | null;
  /** The broker the metric memory benchmark (4) publishes through. */
  readonly rssTransport: 'amqp' | 'nats';
  /** Profile one extra memory run (`node --cpu-prof`) and report its top self-time entries. */
  readonly profile: boolean;
}

export const USAGE = `usage: npm run bench -- [options]   (or: npx tsx bench/run.ts [options])

  --only LIST        comma-separated transports (${TRANSPORTS.join(', ')}) and/or benchmarks
                     (${BENCHMARKS.join(', ')}); default: everything
  --scale X          multiply record counts and durations by X (e.g. 0.1 for a quick look) [1]
  --runs N           runs per figure; each figure is their median [3]
  --results-dir DIR  where <date>-<host>.json and latest.json are written [bench/results]
  --no-write         write no JSON
  --rss-transport T  broker for the metric memory benchmark: amqp or nats (JetStream) [amqp]
  --profile          also profile one memory run (node --cpu-prof) and print its top self-time entries
  --help`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const isOneOf = <T extends string>(list: readonly T[], s: string): s is T =>
  (list as readonly string[]).includes(s);

/** Parses bench arguments; throws a `UsageError` with a clear message for anything it does not understand. */
export function parseBenchArgs(argv: readonly string[], defaultResultsDir: string): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        only: { type: 'string' },
        scale: { type: 'string' },
        runs: { type: 'string' },
        'results-dir': { type: 'string' },
        'no-write': { type: 'boolean' },
        'rss-transport': { type: 'string' },
        profile: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';

  const benchmarks: BenchmarkName[] = [];
  const transports: BenchTransport[] = [];
  for (const item of (v.only ?? '').split(',').map((s) => s.trim())) {
    if (item === '') continue;
    if (isOneOf(TRANSPORTS, item)) transports.push(item);
    else if (isOneOf(BENCHMARKS, item)) benchmarks.push(item);
    else
      throw new UsageError(
        `--only: unknown "${item}"; expected transports (${TRANSPORTS.join(', ')}) or benchmarks (${BENCHMARKS.join(', ')})`,
      );
  }

  const scale = v.scale === undefined ? 1 : Number(v.scale);
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 10))
    throw new UsageError(`--scale must be a number in (0, 10], got ${v.scale}`);
  const runs = v.runs === undefined ? 3 : Number(v.runs);
  if (!(Number.isInteger(runs) && runs >= 1 && runs <= 50))
    throw new UsageError(`--runs must be an integer from 1 to 50, got ${v.runs}`);
  const rss = v['rss-transport'] ?? 'amqp';
  if (rss !== 'amqp' && rss !== 'nats')
    throw new UsageError(`--rss-transport must be amqp or nats, got ${rss}`);
  if (v['no-write'] && v['results-dir'] !== undefined)
    throw new UsageError('--no-write and --results-dir contradict each other');

  return {
    benchmarks: benchmarks.length > 0 ? dedupe(benchmarks) : [...BENCHMARKS],
    transports: transports.length > 0 ? dedupe(transports) : [...TRANSPORTS],
    scale,
    runs,
    resultsDir: v['no-write'] ? null : (v['results-dir'] ?? defaultResultsDir),
    rssTransport: rss,
    profile: v.profile ?? false,
  };
}

const dedupe = <T>(xs: T[]): T[] => [...new Set(xs)];
