/**
 * Every figure the bench reports, with the targets and reference figures for a 2-core
 * machine, in one place: a target changes here and nowhere else.
 */
import type { FigureSpec } from './support/figures.js';
import type { BenchTransport, BrokerTransport } from './support/options.js';

/** The pipeline's messages per record: features, y_true, y_pred (metrics and status broadcasts not counted). */
export const MESSAGES_PER_RECORD = 3;

/** Record counts and durations at scale 1. */
export const FULL_SCALE = {
  e2eRecords: { memory: 1_000_000, amqp: 100_000, nats: 100_000, 'nats-core': 100_000 },
  latencyRecordsPerS: 1_000,
  latencySeconds: 30,
  metricRssRecords: 1_000_000,
  /** Share of the metric memory run's records whose prediction never arrives. */
  metricRssUnmatched: 0.1,
  plotRows: { small: 10_000, large: 1_000_000 },
  plotAppendRows: 100,
  /** Records per run of the partitioned metric benchmark (7): a few seconds of work per run. */
  partitionRecords: 50_000,
} as const satisfies Record<string, unknown>;

const E2E_TARGET: Record<BenchTransport, number> = {
  memory: 300_000,
  amqp: 5_000,
  nats: 5_000,
  'nats-core': 30_000,
};

/** Reference figures for the raw brokers on this kind of machine. */
const RAW_REFERENCE: Record<BrokerTransport, string> = {
  amqp: 'reference: raw amqplib ~26,000/s with an ack per message',
  nats: 'reference: JetStream plain publishes with acks ~39,000/s (awaited one by one ~7,000/s)',
  'nats-core': 'reference: raw core NATS ~240,000/s pre-encoded, ~100,000/s encoding in the loop',
};

const TRANSPORT_LABEL: Record<BenchTransport, string> = {
  memory: 'memory',
  amqp: 'amqp (RabbitMQ)',
  nats: 'nats JetStream',
  'nats-core': 'nats core',
};

export const label = (t: BenchTransport): string => TRANSPORT_LABEL[t];

const count = (n: number): string => n.toLocaleString('en-US');

export const specs = {
  e2e: (t: BenchTransport, records: number): FigureSpec => ({
    id: `e2e.${t}.records_per_s`,
    group: '1 end-to-end',
    label: `${label(t)}, ${count(records)} records, ${t === 'memory' ? 'one process' : 'four processes'}`,
    unit: 'records/s',
    target: { op: '>=', value: E2E_TARGET[t] },
    note:
      'rows/s from the first CSV row to the last' +
      (t === 'memory'
        ? ''
        : '; reference: the original Python services ~95/s as written, ~600/s with one connection'),
  }),
  e2eWatchOff: (records: number): FigureSpec => ({
    id: 'e2e.memory_watch_off.records_per_s',
    group: '1 end-to-end',
    label: `memory, ${count(records)} records, model watching off (--no-watch --no-drift --timeline-file '')`,
    unit: 'records/s',
    note: 'rows/s from the first CSV row to the last',
  }),
  watchCost: (): FigureSpec => ({
    id: 'ratio.memory_watch',
    group: '1 end-to-end',
    label: 'memory: records/s with model watching on (the default) / off, same run',
    unit: 'ratio',
    target: { op: '>=', value: 0.9 },
  }),
  e2eMetricsOn: (records: number): FigureSpec => ({
    id: 'e2e.memory_metrics_on.records_per_s',
    group: '1 end-to-end',
    label: `memory, ${count(records)} records, Prometheus endpoint on (--metrics-port 0)`,
    unit: 'records/s',
    note: 'rows/s from the first CSV row to the last',
  }),
  metricsCost: (): FigureSpec => ({
    id: 'ratio.memory_metrics',
    group: '1 end-to-end',
    label: 'memory: records/s with --metrics-port on / off (the default), same run',
    unit: 'ratio',
    target: { op: '>=', value: 0.95 },
  }),
  e2eCli: (records: number): FigureSpec => ({
    id: 'e2e.memory.cli_records_per_s',
    group: '1 end-to-end',
    label: `memory, ${count(records)} records: the CLI's own summary (start-up and final flush included)`,
    unit: 'records/s',
  }),
  raw: (t: BrokerTransport, messages: number): FigureSpec => ({
    id: `raw.${t}.messages_per_s`,
    group: '2 raw ceiling',
    label: `${label(t)} raw, ${count(messages)} messages, two processes`,
    unit: 'messages/s',
    note: RAW_REFERENCE[t],
  }),
  ratio: (t: BrokerTransport): FigureSpec => ({
    id: `ratio.${t}`,
    group: '2 raw ceiling',
    label: `${label(t)}: pipeline messages/s ÷ raw ceiling`,
    unit: 'ratio',
    ...(t === 'amqp' ? { target: { op: '>=', value: 0.6 } } : {}),
  }),
  latency: (t: BenchTransport, quantile: 'p50' | 'p99' | 'max'): FigureSpec => ({
    id: `latency.${t}.${quantile}_ms`,
    group: '3 latency',
    label: `${label(t)} ${quantile}, publish → CSV row at 1,000 records/s`,
    unit: 'ms',
    ...(quantile === 'p99' ? { target: { op: '<=', value: t === 'memory' ? 5 : 25 } } : {}),
  }),
  rss: (t: BenchTransport, process: string): FigureSpec => ({
    id: `rss.${t}.${process}_mib`,
    group: '4 memory',
    label: `${label(t)}: peak RSS of ${process} during 1`,
    unit: 'MiB',
  }),
  metricRss: (records: number, broker: string): FigureSpec => ({
    id: 'rss.metric_unmatched.peak_mib',
    group: '4 memory',
    label: `metric over ${count(records)} records, 10% never predicted (${broker}): peak RSS`,
    unit: 'MiB',
    target: { op: '<=', value: 200 },
  }),
  metricRssGrowth: (): FigureSpec => ({
    id: 'rss.metric_unmatched.growth_mib',
    group: '4 memory',
    label: 'same run: RSS at the end minus RSS halfway (flat ≈ 0)',
    unit: 'MiB',
  }),
  plotTick: (rows: number): FigureSpec => ({
    id: `plot.tick_${rows}_rows_ms`,
    group: '5 plot',
    label: `plot tick after 100 new rows, log of ${count(rows)} rows`,
    unit: 'ms',
    note: 'reference: the original plot loop takes 160 ms at 10,000 rows, 900 ms at 1,000,000',
  }),
  plotRatio: (large: number, small: number): FigureSpec => ({
    id: 'plot.tick_ratio',
    group: '5 plot',
    label: `plot tick at ${count(large)} rows ÷ at ${count(small)} rows`,
    unit: 'ratio',
    target: { op: '<=', value: 1.2 },
  }),
  renderPng: (): FigureSpec => ({
    id: 'plot.render_png_ms',
    group: '5 plot',
    label: 'PNG render (renderPng), warm',
    unit: 'ms',
    target: { op: '<=', value: 150 },
  }),
  renderPngCold: (): FigureSpec => ({
    id: 'plot.render_png_cold_ms',
    group: '5 plot',
    label: 'PNG render, the first of a process (modules loading)',
    unit: 'ms',
  }),
  startup: (command: string): FigureSpec => ({
    id: 'startup.first_row_ms',
    group: '6 start-up',
    label: `\`${command} --transport=memory --interval 0\` → first CSV row`,
    unit: 'ms',
    target: { op: '<=', value: 2_000 },
    note: 'the CLI started by node, as the installed `pipeline` bin runs it; `npx pipeline` adds npm’s own start-up',
  }),
  partitionRate: (t: BrokerTransport, partitions: number, records: number): FigureSpec => ({
    id: `partitions.${t}.p${partitions}.records_per_s`,
    group: '7 partitions',
    label: `${label(t)}: metric stage, ${count(records)} records, --partitions ${partitions} (${partitions} metric process${partitions === 1 ? '' : 'es'})`,
    unit: 'records/s',
    note: 'y_true and y_pred published by the bench; rows/s from the first row of any partition log to the last',
  }),
  partitionCpu: (t: BrokerTransport, partitions: number): FigureSpec => ({
    id: `partitions.${t}.p${partitions}.cpu_us_per_record`,
    group: '7 partitions',
    label: `${label(t)}: CPU of the metric process${partitions === 1 ? '' : 'es'} per record, --partitions ${partitions}`,
    unit: 'µs',
    note: 'utime + stime from /proc, summed over the metrics, from their ready line to the last row',
  }),
};
