/**
 * The metric service with the model watch attached, over the memory transport and real files in a temporary
 * folder, with everything it says captured: log lines, `summary` and `alerts` broadcasts.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { AlertRule } from '../../src/core/alertRule.js';
import { parseDataset, type Dataset } from '../../src/core/dataset.js';
import { parseLinearModel, type LinearModel } from '../../src/core/linearModel.js';
import { ModelWatch } from '../../src/core/modelWatch.js';
import type { ReferenceProfile } from '../../src/core/referenceProfile.js';
import {
  alertEventBody,
  summaryBody,
  type AlertEventBody,
  type SummaryBody,
} from '../../src/core/summaryBody.js';
import { ALERTS, SUMMARY, Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';
import { CsvAppender } from '../../src/files/csvAppender.js';
import { metricService } from '../../src/services/metric.js';
import { watchModel } from '../../src/services/watch.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { REPO_ROOT } from '../../harness/cli.js';
import { decodeDelivery } from '../../src/core/decodeDelivery.js';

/** The shipped data set and model. */
export function diabetes(): { dataset: Dataset; model: LinearModel } {
  const dataset = parseDataset(readFileSync(join(REPO_ROOT, 'data', 'diabetes.csv'), 'utf8'), 'target');
  const file = readFileSync(join(REPO_ROOT, 'models', 'diabetes-linear.json'), 'utf8');
  return { dataset, model: parseLinearModel(JSON.parse(file)) };
}

export interface WatchRig {
  readonly t: MemoryTransport;
  readonly watch: ModelWatch;
  readonly dir: string;
  readonly summaryFile: string;
  readonly alertsFile: string;
  readonly logs: string[];
  /** Each `summary` broadcast with the `performance.now()` it arrived at. */
  readonly summaries: { at: number; body: SummaryBody }[];
  readonly alerts: AlertEventBody[];
  readonly joined: () => number;
  /** Publishes one record's two messages. */
  send(id: string, yTrue: number, yPred: number): void;
  /** Stops the service, waits for its stream to end, closes everything; resolves with the summary file. */
  stop(): Promise<SummaryBody>;
}

export async function watchRig(options: {
  rules: readonly AlertRule[];
  reference?: ReferenceProfile;
  windowSize?: number;
  /** @default 0: every 100 records, as fast as they come */
  evaluateMinMs?: number;
  summaryEveryMs?: number;
}): Promise<WatchRig> {
  const dir = await mkdtemp(join(tmpdir(), 'watch-test-'));
  const t = new MemoryTransport({ capacity: 100_000 });
  const csv = await CsvAppender.open(join(dir, 'metric_log.csv'), { fsync: false });
  const { evaluateMinMs = 0, summaryEveryMs, ...watchOptions } = options;
  const watch = new ModelWatch({ ...watchOptions, driftOffReason: 'no reference in the test' });
  const summaryFile = join(dir, 'metric_summary.json');
  const alertsFile = join(dir, 'alerts.jsonl');
  const logs: string[] = [];
  const summaries: { at: number; body: SummaryBody }[] = [];
  const alerts: AlertEventBody[] = [];
  const listeners = [
    t.consume(SUMMARY).subscribe((d) => {
      d.ack();
      const decoded = decodeDelivery(d, summaryBody);
      if (!decoded.ok) throw decoded.error;
      summaries.push({ at: performance.now(), body: decoded.value.body });
    }),
    t.consume(ALERTS).subscribe((d) => {
      d.ack();
      const decoded = decodeDelivery(d, alertEventBody);
      if (!decoded.ok) throw decoded.error;
      alerts.push(decoded.value.body);
    }),
  ];
  const ac = new AbortController();
  let joined = 0;
  const service$ = watchModel(metricService(t, csv, { prefetch: 50_000, signal: ac.signal }), t, {
    watch,
    log: (level, message) => logs.push(`${level} ${message}`),
    summaryFile,
    alertsFile,
    evaluateMinMs,
    ...(summaryEveryMs === undefined ? {} : { summaryEveryMs }),
  });
  const done = new Promise<void>((resolve, reject) =>
    service$.subscribe({
      next: (e: ServiceEvent) => void (e.kind === 'joined' && joined++),
      error: reject,
      complete: resolve,
    }),
  );
  return {
    t,
    watch,
    dir,
    summaryFile,
    alertsFile,
    logs,
    summaries,
    alerts,
    joined: () => joined,
    send: (id, yTrue, yPred) => {
      if (!t.tryPublish(Y_TRUE, { id, body: yTrue }) || !t.tryPublish(Y_PRED, { id, body: yPred }))
        throw new Error('the memory transport is full');
    },
    stop: async () => {
      ac.abort();
      await done;
      await csv.close();
      for (const l of listeners) l.unsubscribe();
      await t.close();
      const body = summaryBody(JSON.parse(await readFile(summaryFile, 'utf8')));
      if (!body.ok) throw new Error(`bad summary file: ${body.reason}`);
      return body.value;
    },
  };
}
