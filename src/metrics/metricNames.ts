/**
 * The Prometheus metrics the services export, in one table: the exporter registers exactly these, and the
 * Grafana dashboard and the Prometheus rules shipped with the compose file may query only these (tests hold
 * both to it). Every series also carries the label `service` (features, model, metric, plot or pipeline), set
 * once per process as a default label. Labels are bounded: topics from the pipeline's own list, dead-letter
 * reasons from the codes the services use, `scope` all|window, `column` the model's features and `prediction`.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricName {
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
}

export const PIPELINE_METRICS = {
  pipeline_records_total: {
    type: 'counter',
    help: 'Records taken from (direction="consumed") or handed to (direction="published") the transport, by topic.',
    labels: ['topic', 'direction'],
  },
  pipeline_dead_letters_total: {
    type: 'counter',
    help: 'Messages moved to the dead-letter destination, by topic and reason code.',
    labels: ['topic', 'reason'],
  },
  pipeline_retries_total: {
    type: 'counter',
    help: 'Messages whose processing failed for a reason that may pass and were given back to be redelivered.',
    labels: ['topic'],
  },
  pipeline_unmatched_total: {
    type: 'counter',
    help: 'Messages whose join partner never came (dead-lettered as unmatched), by topic.',
    labels: ['topic'],
  },
  pipeline_duplicates_total: {
    type: 'counter',
    help: 'Redelivered messages whose row was already written, acked without a second row.',
    labels: ['topic'],
  },
  pipeline_join_buffer_records: {
    type: 'gauge',
    help: 'Messages held by the metric waiting for their join partner.',
    labels: [],
  },
  pipeline_absolute_error: {
    type: 'histogram',
    help: 'Absolute error |y_pred - y_true| of the joined records, in the target units.',
    labels: [],
  },
  pipeline_mae: {
    type: 'gauge',
    help: 'Mean absolute error, all-time or over the window.',
    labels: ['scope'],
  },
  pipeline_rmse: {
    type: 'gauge',
    help: 'Root mean squared error, all-time or over the window.',
    labels: ['scope'],
  },
  pipeline_bias: {
    type: 'gauge',
    help: 'Mean signed error (y_pred - y_true), all-time or over the window.',
    labels: ['scope'],
  },
  pipeline_r2: {
    type: 'gauge',
    help: 'Coefficient of determination, all-time or over the window (absent while undefined).',
    labels: ['scope'],
  },
  pipeline_psi: {
    type: 'gauge',
    help: 'Population stability index of a feature or of the predictions against the training data.',
    labels: ['column'],
  },
  pipeline_alerts_firing: { type: 'gauge', help: 'Alert rules firing now.', labels: [] },
  pipeline_transport_connected: {
    type: 'gauge',
    help: '1 while the transport is connected, 0 otherwise.',
    labels: ['transport'],
  },
  pipeline_transport_reconnects_total: {
    type: 'counter',
    help: 'Times the transport lost its connection and started reconnecting.',
    labels: ['transport'],
  },
  pipeline_publish_waits_total: {
    type: 'counter',
    help: 'Publishes that had to wait because the transport was full (back-pressure).',
    labels: ['topic'],
  },
} as const satisfies Record<string, MetricName>;

export type PipelineMetric = keyof typeof PIPELINE_METRICS;
