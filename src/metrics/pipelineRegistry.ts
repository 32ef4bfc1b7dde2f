/**
 * The Prometheus registry of one process: exactly the metrics of `PIPELINE_METRICS`, plus prom-client's process
 * and Node.js metrics, each series labelled with the process's `service`. Apart from the absolute-error histogram,
 * every value is read at scrape time (`collect`) from figures the process keeps anyway, so the hot path pays
 * nothing for them.
 */
import client from 'prom-client';
import type { CountersSnapshot } from '../core/statusBody.js';
import type { SummaryBody } from '../core/summaryBody.js';
import { FEATURES, Y_PRED, Y_TRUE } from '../core/topics.js';
import type { ConnectionState } from '../core/transport.js';
import { PIPELINE_METRICS, type PipelineMetric } from './metricNames.js';
import { BucketCounts } from './bucketCounts.js';
import type { TopicTally } from './topicTally.js';

/** Buckets of |y_pred − y_true| for the diabetes targets (25–346): most errors fall below 100. */
export const ABSOLUTE_ERROR_BUCKETS = [5, 10, 20, 30, 40, 50, 60, 80, 100, 125, 150, 200, 300] as const;

const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export type ExportedService = 'features' | 'model' | 'metric' | 'plot' | 'pipeline';

/** What the metrics are read from; each part is absent where the process has no such figures. */
export interface RegistrySources {
  readonly transportName?: string;
  readonly state?: () => ConnectionState;
  readonly reconnects?: () => number;
  readonly counters?: () => CountersSnapshot;
  readonly tally?: TopicTally;
  readonly summary?: () => SummaryBody;
  readonly publishWaits?: () => ReadonlyMap<string, number>;
}

/** The topics each service takes from and hands to the transport, as (topic, direction, which counter). */
type Progress = 'published' | 'predicted' | 'joined';
const FLOWS: Record<ExportedService, readonly (readonly [string, 'consumed' | 'published', Progress])[]> = {
  features: [
    [FEATURES.name, 'published', 'published'],
    [Y_TRUE.name, 'published', 'published'],
  ],
  model: [
    [FEATURES.name, 'consumed', 'predicted'],
    [Y_PRED.name, 'published', 'predicted'],
  ],
  metric: [
    [Y_TRUE.name, 'consumed', 'joined'],
    [Y_PRED.name, 'consumed', 'joined'],
  ],
  plot: [],
  pipeline: [],
};
FLOWS.pipeline = [...FLOWS.features, ...FLOWS.model, ...FLOWS.metric];

export interface PipelineRegistry {
  readonly registry: client.Registry<client.RegistryContentType>;
  /** Per-record: one joined record's absolute error. */
  readonly observeError: (value: number) => void;
}

/**
 * Builds the registry; `sources()` is read at every scrape, so it may be filled in after the server starts.
 */
export function pipelineRegistry(service: ExportedService, sources: () => RegistrySources): PipelineRegistry {
  const registry = new client.Registry<client.RegistryContentType>();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  // Gauges that prom-client names `*_total`, which Prometheus reserves for counters (promtool refuses them).
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  const spec = (name: PipelineMetric) => ({
    name,
    help: PIPELINE_METRICS[name].help,
    labelNames: [...PIPELINE_METRICS[name].labels],
    registers: [registry],
  });
  const counter = (name: PipelineMetric, collect: (c: client.Counter) => void): void =>
    void new client.Counter({
      ...spec(name),
      collect: function (this: client.Counter) {
        this.reset();
        collect(this);
      },
    });
  const gauge = (name: PipelineMetric, collect: (g: client.Gauge) => void): void =>
    void new client.Gauge({
      ...spec(name),
      collect: function (this: client.Gauge) {
        this.reset();
        collect(this);
      },
    });
  const tallied = (kind: string, c: client.Counter, withReason: boolean): void => {
    for (const e of sources().tally?.entries() ?? [])
      if (e.kind === kind)
        c.inc(withReason ? { topic: e.topic, reason: e.code } : { topic: e.topic }, e.count);
  };

  counter('pipeline_records_total', (c) => {
    const s = sources();
    const counts = s.counters?.();
    if (!counts) return;
    for (const [topic, direction, progress] of FLOWS[service]) {
      const settled = direction === 'consumed' ? (s.tally?.settledOtherwise(topic) ?? 0) : 0;
      c.inc({ topic, direction }, counts[progress] + settled);
    }
  });
  counter('pipeline_dead_letters_total', (c) => {
    tallied('dead-lettered', c, true);
    tallied('unmatched', c, true);
  });
  counter('pipeline_retries_total', (c) => tallied('retried', c, false));
  counter('pipeline_unmatched_total', (c) => tallied('unmatched', c, false));
  counter('pipeline_duplicates_total', (c) => tallied('duplicate', c, false));
  gauge('pipeline_join_buffer_records', (g) => g.set(sources().counters?.().pending ?? 0));
  const errors = new BucketCounts(ABSOLUTE_ERROR_BUCKETS);
  new CountedHistogram(spec('pipeline_absolute_error'), errors);
  const quality = (name: PipelineMetric, figure: 'mae' | 'rmse' | 'bias' | 'r2'): void =>
    gauge(name, (g) => {
      const s = sources().summary?.();
      if (!s) return;
      for (const scope of ['all', 'window'] as const) {
        const v = s[scope][figure];
        if (v !== null) g.set({ scope }, v);
      }
    });
  quality('pipeline_mae', 'mae');
  quality('pipeline_rmse', 'rmse');
  quality('pipeline_bias', 'bias');
  quality('pipeline_r2', 'r2');
  gauge('pipeline_psi', (g) => {
    const drift = sources().summary?.().drift;
    if (!drift?.enabled) return;
    for (const [column, v] of Object.entries(drift.psi)) if (v !== null) g.set({ column }, v);
  });
  gauge('pipeline_alerts_firing', (g) => g.set(sources().summary?.().alerts.length ?? 0));
  gauge('pipeline_transport_connected', (g) => {
    const s = sources();
    if (s.transportName !== undefined && s.state)
      g.set({ transport: s.transportName }, s.state() === 'connected' ? 1 : 0);
  });
  counter('pipeline_transport_reconnects_total', (c) => {
    const s = sources();
    if (s.transportName !== undefined && s.reconnects) c.inc({ transport: s.transportName }, s.reconnects());
  });
  counter('pipeline_publish_waits_total', (c) => {
    for (const [topic, n] of sources().publishWaits?.() ?? []) c.inc({ topic }, n);
  });

  return { registry, observeError: (value) => errors.observe(value) };
}

interface CountedValues {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: readonly {
    metricName: string;
    labels: Record<string, string>;
    /** prom-client's `get` merges these into `labels`. */
    sharedLabels: Record<string, string>;
    value: number;
  }[];
}

/** A prom-client histogram whose values are read from `BucketCounts` at scrape time. */
class CountedHistogram extends client.Histogram {
  readonly #counts: BucketCounts;
  readonly #name: string;

  constructor(configuration: client.HistogramConfiguration<string>, counts: BucketCounts) {
    super({ ...configuration, buckets: [...counts.bounds] });
    this.#counts = counts;
    this.#name = configuration.name;
  }

  /**
   * What the registry reads for the text formats, and what prom-client's `get` builds on: the base histogram is
   * never observed, so its own values would all be 0; these are the counts'.
   */
  getForPromString(): Promise<CountedValues> {
    const { buckets, sum, count } = this.#counts.cumulative();
    const le = [...this.#counts.bounds.map(String), '+Inf'];
    const name = this.#name;
    return Promise.resolve({
      name,
      help: PIPELINE_METRICS.pipeline_absolute_error.help,
      type: 'histogram',
      aggregator: 'sum',
      values: [
        ...buckets.map((value, i) => ({
          metricName: `${name}_bucket`,
          labels: { le: le[i] ?? '+Inf' },
          sharedLabels: {},
          value,
        })),
        { metricName: `${name}_sum`, labels: {}, sharedLabels: {}, value: sum },
        { metricName: `${name}_count`, labels: {}, sharedLabels: {}, value: count },
      ],
    });
  }
}
