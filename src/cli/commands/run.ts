/**
 * `pipeline` (the default command): all four services in one process. With --count it stops by itself once every
 * record is accounted for (joined, or dead-lettered as unmatched); SIGINT / SIGTERM stop it cleanly at any time.
 */
import { join } from 'node:path';
import { merge } from 'rxjs';
import { errorMessage } from '../../core/errors.js';
import { metricLogName } from '../../core/partitions.js';
import { CsvAppender } from '../../files/csvAppender.js';
import { featuresService } from '../../services/features.js';
import { metricService } from '../../services/metric.js';
import { modelService } from '../../services/model.js';
import { canDrawScreen, startDashboard } from '../../tui/dashboard.js';
import { transportFeed } from '../../tui/feeds.js';
import { defineCommand, type CommandArgs } from '../command.js';
import { durationOption } from '../durationOption.js';
import { monitor, stopOnSignals } from '../lifecycle.js';
import {
  featuresOptions,
  fsyncFor,
  metricOptions,
  metricSettings,
  modelOptions,
  driftOptions,
  outputOptions,
  plotOptions,
  plotterSettings,
  traceOptions,
  transportOptions,
  watchOptions,
} from '../options.js';
import { outputPaths } from '../paths.js';
import { plotInWorker } from '../plotInWorker.js';
import { checkPartitionCount } from '../partitionCheck.js';
import { partitionsOptions } from '../partitionOptions.js';
import { loadDatasetAndModel, openTransport } from '../startup.js';
import { metricsOptions, openMetricsEndpoint } from '../metricsEndpoint.js';
import { Terminal } from '../terminal.js';
import { driftReporterFor, injectedDrift } from '../driftSetup.js';
import { timelineOptions, timelineSettings } from '../timelineOptions.js';
import { openTrace } from '../traceSetup.js';
import { prepareWatch } from '../watchSetup.js';

const options = {
  ...transportOptions,
  ...outputOptions,
  ...featuresOptions,
  ...modelOptions,
  ...driftOptions,
  ...metricOptions,
  ...watchOptions,
  ...traceOptions,
  ...plotOptions,
  ...timelineOptions,
  ...metricsOptions,
  ...partitionsOptions,
  dashboard: {
    type: 'boolean',
    default: canDrawScreen(),
    describe: 'show the live dashboard (default on a terminal; --no-dashboard keeps the one-line status)',
  },
  'drain-timeout': durationOption({
    default: 10_000,
    describe:
      'how long to wait, after the last record is published or on Ctrl-C, for records in flight to be logged',
  }),
} as const;

export const runCommand = defineCommand({
  name: '$0',
  describe: 'run features, model, metric and plot together in one process',
  options,
  examples: [
    ['$0 --transport=memory', 'the demo: one record a second, watch logs/'],
    ['$0 --interval 0 --count 100000', 'as fast as possible, then stop'],
  ],
  handler: (args) => runPipeline(args),
});

async function runPipeline(args: CommandArgs<typeof options>): Promise<number> {
  const terminal = new Terminal();
  const paths = await outputPaths(args);
  const { dataset, model } = await loadDatasetAndModel(args.dataset, args.target, args.model);
  const shift = injectedDrift(args.injectDrift, dataset.featureNames);
  const watch = await prepareWatch(args, paths.logDir);
  await checkPartitionCount(args, args.partitions);
  const endpoint = await openMetricsEndpoint(args, 'pipeline');
  const transport = await openTransport(args, terminal.log);
  const stop = stopOnSignals();
  // One metric per partition, each with its own log (one partition: the one log, --csv-file or metric_log.csv).
  const count = args.partitions;
  const csvFiles = Array.from({ length: count }, (_, p) =>
    count === 1 ? paths.csvFile : join(paths.logDir, metricLogName(p, count)),
  );
  const csvs = await Promise.all(csvFiles.map((f) => CsvAppender.open(f, { fsync: fsyncFor(args) })));
  stop.signal.addEventListener('abort', () => endpoint?.stopping(), { once: true });
  const mon = monitor(terminal, transport, 'pipeline', {
    statusLine: !args.dashboard,
    onEvent: endpoint?.onEvent,
  });
  endpoint?.attach({ transport, counters: mon.counters, ...(watch ? { summary: watch.summary } : {}) });
  // The dashboard listens on the same transport as any other dashboard would; q (or Ctrl-C) stops the pipeline.
  const dash = args.dashboard
    ? startDashboard({ feed: transportFeed(transport), signal: stop.signal })
    : undefined;
  void dash?.done.then(() => stop.abort());
  if (watch) {
    terminal.log('info', watch.description);
    await watch.resume(csvFiles, terminal.log);
  }
  if (endpoint) terminal.log('info', `metrics on ${endpoint.url}, probes /healthz and /readyz`);
  const trace = await openTrace(args, terminal.log);
  terminal.log(
    'info',
    `pipeline on ${transport.name}: ${dataset.X.length} rows of ${args.dataset} -> ${csvFiles.join(', ')}, ${paths.imgFile}`,
  );

  // Consumers stop only once the records already published are logged (or the drain timeout passes).
  const consumersStop = new AbortController();
  const published = (): number => mon.counters.snapshot().published;
  const settled = (): number => {
    const c = mon.counters.snapshot();
    return c.joined + c.unmatched;
  };
  const features$ = featuresService(transport, dataset, {
    intervalMs: args.interval,
    onPacingStart: (ms) => terminal.log('debug', `features: pacing started at ${ms.toFixed(3)}`),
    ...(args.count !== undefined ? { count: args.count } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.runId !== undefined ? { runId: args.runId } : {}),
    ...(shift ? { shift } : {}),
    signal: stop.signal,
    partitions: count,
  });
  const drift = driftReporterFor(model, args, transport, terminal.log);
  const model$ = modelService(transport, model, {
    signal: consumersStop.signal,
    partitions: count,
    ...(drift ? { drift } : {}),
  });
  const joined$ = merge(
    ...csvs.map((csv, index) =>
      metricService(transport, csv, {
        ...metricSettings(args),
        alreadyJoined: csv.existingKeys,
        signal: consumersStop.signal,
        partition: { index, count },
        ...(trace ? { onConsumed: trace.onConsumed } : {}),
      }),
    ),
  );
  const metric$ = watch ? watch.attach(joined$, transport, terminal.log) : joined$;
  const timeline = await timelineSettings(paths, args);
  const plotter = { ...plotterSettings(paths, args), ...(timeline ? { timeline } : {}) };
  const plotting = plotInWorker(plotter, args.plotInterval, terminal.log);

  let failure: unknown;
  const consumers = mon.run([model$, metric$]).catch((e: unknown) => {
    failure ??= e;
    stop.abort();
  });
  const producing = mon.run([features$]);
  endpoint?.serving();
  try {
    await producing;
  } catch (e) {
    failure ??= e;
  }
  // After the last record, wait as long as a record may wait for its partner; after Ctrl-C, the drain timeout.
  await waitUntil(
    () => settled() >= published() || failure !== undefined,
    stop.signal.aborted ? args.drainTimeout : args.joinTtl + args.drainTimeout,
    args.drainTimeout,
    stop.signal,
  );
  if (settled() < published())
    terminal.log(
      'warn',
      `stopping with ${published() - settled()} records not yet logged (they stay in the transport)`,
    );
  consumersStop.abort();
  endpoint?.stopping();
  await consumers;
  await trace?.close();
  await Promise.all(csvs.map((csv) => csv.close()));
  await plotting.stop(); // renders once more, with every row
  dash?.close();
  await dash?.done;
  await transport.close();
  await endpoint?.close();
  mon.finish();
  if (failure !== undefined) {
    terminal.log('error', errorMessage(failure));
    return 1;
  }
  return 0;
}

/** Resolves when `done()` holds or the time is up: `timeoutMs` from now, or `abortTimeoutMs` after `signal` aborts. */
function waitUntil(
  done: () => boolean,
  timeoutMs: number,
  abortTimeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    let deadline = Date.now() + timeoutMs;
    const onAbort = (): void => void (deadline = Math.min(deadline, Date.now() + abortTimeoutMs));
    signal.addEventListener('abort', onAbort, { once: true });
    const check = (): void => {
      if (done() || Date.now() >= deadline) {
        signal.removeEventListener('abort', onAbort);
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(check, 20);
    check();
  });
}
