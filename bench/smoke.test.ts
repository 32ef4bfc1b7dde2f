/**
 * Keeps `npm run bench` working: the harness runs with tiny counts and its table and JSON are checked for shape.
 * Never for speed: machines are noisy, and a benchmark's figures are read by people, not asserted.
 *
 * Only what needs no broker queue of the wire contract runs here (memory, plot, start-up, and the raw ceilings,
 * which use queues and streams of their own): the four-process broker runs use the real queues, which the
 * end-to-end tests use too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from './harness.js';
import { latencies } from './latency.js';
import { topSelfTime } from './support/cpuProfile.js';
import { measured, median, quantile, type Figure } from './support/figures.js';
import { parseBenchArgs, UsageError } from './support/options.js';
import { pipelineMessageSizes } from './support/messageSizes.js';
import { rawRun } from './support/rawPair.js';
import type { BenchReport } from './support/report.js';
import { AMQP_URL, brokerReachable, NATS_URL } from '../harness/brokers.js';

const STATUSES = new Set(['pass', 'miss', 'info', 'skipped', 'failed']);
const RUNS = 2;

describe('npm run bench, smoke run (tiny counts, memory only)', () => {
  let dir: string;
  let report: BenchReport;
  let table = '';
  let progress = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    const options = parseBenchArgs(
      ['--only', 'memory', '--scale', '0.002', '--runs', String(RUNS), '--results-dir', dir],
      'unused',
    );
    assert.notEqual(options, 'help');
    if (options === 'help') return;
    report = await runBench(options, {
      log: (m) => void (progress += `${m}\n`),
      out: (t) => void (table += `${t}\n`),
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('measures every memory figure, none broken', () => {
    const ids = report.figures.map((f) => f.id);
    for (const id of [
      'e2e.memory.records_per_s',
      'e2e.memory.cli_records_per_s',
      'ratio.memory_metrics',
      'rss.memory.pipeline_mib',
      'latency.memory.p50_ms',
      'latency.memory.p99_ms',
      'latency.memory.max_ms',
      'plot.tick_ratio',
      'plot.render_png_ms',
      'plot.render_png_cold_ms',
      'startup.first_row_ms',
    ])
      assert.ok(ids.includes(id), `${id} is reported\n${progress}`);
    assert.equal(new Set(ids).size, ids.length, 'figure ids are unique');
    const broken = report.figures.filter((f) => f.status === 'failed');
    assert.deepEqual(broken, [], `no benchmark failed\n${progress}`);
    assert.ok(!ids.some((id) => /amqp|nats/.test(id)), 'no broker figure when only memory is selected');
  });

  it('gives each figure a well-formed value, its samples, and a verdict against its target', () => {
    for (const f of report.figures) {
      assert.ok(STATUSES.has(f.status), `${f.id}: status ${f.status}`);
      assert.ok(f.label.length > 0 && f.unit.length > 0 && f.group.length > 0, `${f.id} is described`);
      if (f.status === 'skipped') {
        assert.equal(f.value, null);
        assert.ok(f.note, `${f.id}: a skipped figure says why`);
        continue;
      }
      assert.equal(typeof f.value, 'number', f.id);
      assert.ok(Number.isFinite(f.value), `${f.id}: finite value`);
      assert.equal(
        f.samples.length,
        f.id === 'plot.render_png_cold_ms' ? 1 : RUNS,
        `${f.id}: one sample per run`,
      );
      assert.equal(f.value, median(f.samples), `${f.id}: the value is the median of its samples`);
      if (f.target)
        assert.ok(f.status === 'pass' || f.status === 'miss', `${f.id}: judged against its target`);
      else assert.equal(f.status, 'info', f.id);
    }
    const e2e = report.figures.find((f) => f.id === 'e2e.memory.records_per_s') as Figure;
    assert.deepEqual(e2e.target, { op: '>=', value: 300_000 });
    const p99 = report.figures.find((f) => f.id === 'latency.memory.p99_ms') as Figure;
    assert.deepEqual(p99.target, { op: '<=', value: 5 });
  });

  it('prints one Markdown table: a heading line, a row per figure, numbered notes', () => {
    const lines = table.split('\n');
    assert.match(lines[0] ?? '', /^rx-ml-pipeline bench, .* on .*: \d+ × /);
    const tableLines = lines.filter((l) => l.startsWith('| '));
    assert.match(
      tableLines[0] ?? '',
      /^\| benchmark +\| figure +\| +value \| target +\| result +\| runs \|$/,
    );
    assert.match(tableLines[1] ?? '', /^\| -+ \| -+ \| -+: \| -+ \| -+ \| -+: \|$/);
    assert.equal(tableLines.length, report.figures.length + 2, 'one row per figure');
    for (const row of tableLines) assert.equal(row.split(' | ').length, 6, `six columns: ${row}`);
    for (const [, n] of table.matchAll(/ \[(\d+)\] \|/g))
      assert.match(table, new RegExp(`^\\[${n}\\] .+`, 'm'));
  });

  it('writes the report as <date>-<host>.json and latest.json, the same JSON', async () => {
    const files = (await readdir(dir)).sort();
    const dated = `${report.date.slice(0, 10)}-${report.machine.host.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
    assert.deepEqual(files, [dated, 'latest.json'].sort());
    const [a, b] = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
    assert.equal(a, b);
    const json = JSON.parse(a ?? '') as BenchReport;
    assert.equal(json.schema, 1);
    assert.equal(json.options.runs, RUNS);
    assert.equal(json.options.scale, 0.002);
    assert.ok(json.machine.cpus >= 1 && json.machine.node.startsWith('v'));
    assert.ok(['dist', 'tsx'].includes(json.build));
    assert.deepEqual(
      json.figures.map((f) => f.id),
      report.figures.map((f) => f.id),
    );
  });
});

describe('raw broker ceilings, tiny (queues and streams of their own)', () => {
  for (const t of ['amqp', 'nats', 'nats-core'] as const) {
    it(`${t}: the consumer receives what the publisher sent`, async (ctx) => {
      const skip = await brokerReachable(
        t === 'amqp' ? 'rabbitmq' : 'nats',
        t === 'amqp' ? AMQP_URL : NATS_URL,
      );
      if (skip) return ctx.skip(skip);
      const r = await rawRun(t, 300, await pipelineMessageSizes(), 30_000);
      if (t !== 'nats-core') assert.equal(r.received, 300);
      assert.ok(r.received > 1 && r.received + r.lost === 300);
      assert.ok(Number.isFinite(r.messagesPerS) && r.messagesPerS > 0);
    });
  }
});

describe('bench helpers', () => {
  it('median and nearest-rank quantiles', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(quantile(hundred, 0.5), 50);
    assert.equal(quantile(hundred, 0.99), 99);
    assert.equal(quantile(hundred, 1), 100);
  });

  it('a figure passes or misses its target by its median; a run that failed does not count', () => {
    const spec = { id: 'x', group: 'g', label: 'l', unit: 'ms', target: { op: '<=' as const, value: 5 } };
    assert.equal(measured(spec, [4, 9, 3]).status, 'pass');
    assert.equal(measured(spec, [6, 9, 3]).status, 'miss');
    assert.equal(measured(spec, [NaN, 4, 9, 3]).value, 4);
    assert.equal(measured(spec, [NaN]).status, 'failed');
  });

  it('latency is measured from when a record was due, t0 never later than the earliest row allows', () => {
    const seen = Float64Array.from([1010, 1012, 1015, 1013.5]); // due 1000, 1001, 1002, 1003 with t0 = 1000
    const exact = latencies(seen, 1000, 1, 0); // 10, 11, 13, 10.5 ms
    assert.equal(exact.p50, 10.5);
    assert.equal(exact.max, 13);
    assert.equal(exact.gapMs, 10);
    // A t0 after the first row was seen cannot be right: it is moved back to the earliest possible, 1010.
    const late = latencies(seen, 1020, 1, 0);
    assert.deepEqual([late.p50, late.max, late.gapMs], [0.5, 3, 0]);
    assert.equal(latencies(seen, 1000, 1, 2).measured, 2, 'warm-up left out');
  });

  it('options: --only mixes transports and benchmarks; nonsense is refused', () => {
    const o = parseBenchArgs(['--only', 'amqp,plot', '--scale', '0.5'], '/r');
    assert.notEqual(o, 'help');
    if (o === 'help') return;
    assert.deepEqual(
      [o.transports, o.benchmarks, o.scale, o.runs, o.resultsDir],
      [['amqp'], ['plot'], 0.5, 3, '/r'],
    );
    assert.throws(() => parseBenchArgs(['--only', 'kafka'], '/r'), UsageError);
    assert.throws(() => parseBenchArgs(['--runs', '0'], '/r'), UsageError);
    assert.throws(() => parseBenchArgs(['--scale', 'fast'], '/r'), UsageError);
    const noWrite = parseBenchArgs(['--no-write'], '/r');
    assert.ok(noWrite !== 'help' && noWrite.resultsDir === null);
  });

  it('a CPU profile is summed by function and place, by self time', () => {
    const frame = (functionName: string, line: number) => ({
      functionName,
      url: 'file:///repo/src/a.js',
      lineNumber: line,
    });
    const top = topSelfTime(
      {
        nodes: [
          { id: 1, callFrame: frame('hot', 9) },
          { id: 2, callFrame: frame('hot', 9) },
          { id: 3, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
        ],
        samples: [1, 2, 3, 1],
        // A sample's time is the delta to the next one: 1000 + 2000 µs for `hot`, 500 for the GC.
        timeDeltas: [0, 1000, 2000, 500],
      },
      2,
      '/repo',
    );
    assert.deepEqual(
      top.map((e) => [e.functionName, e.location, e.selfMs]),
      [
        ['hot', 'src/a.js:10', 3],
        ['(garbage collector)', '', 0.5],
      ],
    );
  });
});
