/**
 * The dashboard's memory over a long run: 1,000,000 records (by default) folded into the view-model and drawn,
 * throttled, into a real blessed screen on a fake 160×48 terminal. Prints the heap after a full GC every 100,000
 * records; the claim is that it stays flat (fixed-size rings, bins and sketches).
 *
 *   node --expose-gc --import tsx bench/dashboardMemory.ts [records] [refreshMs]
 */
import { Subject } from 'rxjs';
import type { MetricRecord } from '../src/core/metricsBody.js';
import { startDashboard } from '../src/tui/dashboard.js';
import type { FeedEvent } from '../src/tui/feeds.js';
import { fakeTerminal } from '../harness/fakeTerminal.js';

const total = Number(process.argv[2] ?? 1_000_000);
const refreshMs = Number(process.argv[3] ?? 250);
const BATCH = 5_000;
const SAMPLE_EVERY = 100_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) process.stderr.write('warning: run with --expose-gc for heap figures after a full collection\n');

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const yieldToTimers = (): Promise<void> => new Promise((r) => setImmediate(r));

async function main(): Promise<void> {
  const term = fakeTerminal(160, 48, 0);
  const events = new Subject<FeedEvent>();
  const dashboard = startDashboard({
    feed: { source: 'bench', countsJoined: false, events$: events },
    input: term.input,
    output: term.output,
    terminal: 'xterm-256color',
    env: {},
    refreshMs,
    holdLogs: false,
  });
  let frames = 0;
  let lastBytes = 0;
  const samples: { records: number; heapMiB: number; rssMiB: number }[] = [];
  const sample = (records: number): void => {
    gc?.();
    const m = process.memoryUsage();
    samples.push({ records, heapMiB: mib(m.heapUsed), rssMiB: mib(m.rss) });
  };

  events.next({ kind: 'state', state: 'connected' });
  sample(0);
  const started = performance.now();
  for (let i = 0; i < total;) {
    const end = Math.min(total, i + BATCH);
    for (; i < end; i++) {
      const y = 25 + (i % 321);
      const err = ((i * 7919) % 10_000) / 100;
      const record: MetricRecord = { id: `k3j5h2m9qx-${i}`, y_true: y, y_pred: y + err, absolute_error: err };
      events.next({ kind: 'record', record });
    }
    if (i % 50_000 === 0)
      events.next({
        kind: 'status',
        status: {
          service: 'metric',
          instance: `m${i % 3}`,
          transport: 'bench',
          state: 'connected',
          counters: {
            published: i,
            predicted: i,
            joined: i,
            pending: i % 100,
            unmatched: 0,
            duplicates: 0,
            deadLettered: 0,
            retried: 0,
            deadByCode: {},
          },
        },
      });
    // Lets the throttled redraw run, as it would between deliveries.
    await yieldToTimers();
    if (term.output.bytes !== lastBytes) {
      frames++;
      lastBytes = term.output.bytes;
    }
    if (i % SAMPLE_EVERY === 0) sample(i);
  }
  const seconds = (performance.now() - started) / 1000;
  const drawStarted = performance.now();
  for (let k = 0; k < 20; k++) dashboard.drawNow();
  const msPerFrame = (performance.now() - drawStarted) / 20;
  const screen = dashboard.text();
  dashboard.close();
  await dashboard.done;

  // From the first 100,000 records on: the screen, the rings and the sketch have reached their size by then.
  const heaps = samples.slice(1).map((s) => s.heapMiB);
  const result = {
    records: total,
    seconds: Math.round(seconds * 10) / 10,
    recordsPerSecond: Math.round(total / seconds),
    framesDrawn: frames,
    refreshMs,
    msPerFrame: Math.round(msPerFrame * 10) / 10,
    heapMiB: {
      beforeRecords: samples[0]?.heapMiB,
      min: Math.min(...heaps),
      max: Math.max(...heaps),
      last: heaps.at(-1),
    },
    rssMiB: { beforeRecords: samples[0]?.rssMiB, last: samples.at(-1)?.rssMiB },
    samples,
    screenShowsFigures: /records \/ s/.test(screen) && /latest records/.test(screen),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
