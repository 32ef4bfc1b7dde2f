/**
 * The one-process pipeline as a user runs it: `pipeline --transport=memory …`, checked through its outputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../support/tempDir.js';
import { parseDataset } from '../../src/core/dataset.js';
import { parseLinearModel } from '../../src/core/linearModel.js';
import { METRIC_CSV_HEADER } from '../../src/core/metricCsv.js';
import { spawn } from 'node:child_process';
import { REPO_ROOT, compiled, runCli, startCli } from '../../harness/cli.js';
import { FEATURES_DEFAULTS } from '../../src/services/features.js';
import { METRIC_DEFAULTS } from '../../src/services/metric.js';
import { PLOT_DEFAULTS } from '../../src/services/plotDefaults.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Row {
  id: string;
  yTrue: string;
  yPred: string;
  err: string;
}

async function readRows(file: string): Promise<{ header: string; rows: Row[]; text: string }> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'the log ends with a newline');
  const header = lines.shift() ?? '';
  const rows = lines.map((l) => {
    const [id, yTrue, yPred, err, ...rest] = l.split(',');
    assert.equal(rest.length, 0, `row has 4 fields: ${l}`);
    return { id: id ?? '', yTrue: yTrue ?? '', yPred: yPred ?? '', err: err ?? '' };
  });
  return { header, rows, text };
}

/** Every (y_true, y_pred) pair the shipped model can produce on the shipped data set, as text. */
async function possiblePairs(): Promise<Set<string>> {
  const dataset = parseDataset(await readFile(join(REPO_ROOT, 'data', 'diabetes.csv'), 'utf8'), 'target');
  const model = parseLinearModel(
    JSON.parse(await readFile(join(REPO_ROOT, 'models', 'diabetes-linear.json'), 'utf8')),
  );
  return new Set(dataset.X.map((x, i) => `${String(dataset.y[i])},${String(model.predict(x))}`));
}

describe('pipeline --transport=memory', () => {
  const dir = tempDir('pipeline-cli-');

  it('--count 1000 --interval 0 exits 0 by itself with 1000 correct rows and a PNG', async () => {
    const logDir = join(dir(), 'run1000');
    const r = await runCli([
      '--transport=memory',
      '--interval',
      '0',
      '--count',
      '1000',
      '--log-dir',
      logDir,
      '--seed',
      '7',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('\u001b['), 'no escape codes when stdout is not a TTY');
    assert.match(r.stdout, /joined 1,000 records/);

    const { header, rows, text } = await readRows(join(logDir, 'metric_log.csv'));
    assert.equal(header, METRIC_CSV_HEADER);
    assert.doesNotMatch(text, /\r/);
    assert.equal(rows.length, 1000);
    assert.equal(new Set(rows.map((r) => r.id)).size, 1000, 'ids are distinct');
    const pairs = await possiblePairs();
    for (const row of rows) {
      assert.equal(
        row.err,
        String(Math.abs(Number(row.yTrue) - Number(row.yPred))),
        `absolute error of ${row.id}`,
      );
      assert.ok(
        pairs.has(`${row.yTrue},${row.yPred}`),
        `${row.id}: prediction ${row.yPred} is the model's for a row with target ${row.yTrue}`,
      );
    }

    const png = await readFile(join(logDir, 'error_distribution.png'));
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.ok(png.readUInt32BE(16) >= 400 && png.readUInt32BE(20) >= 200, 'a plot-sized image');
  });

  it('a second run appends to the log under the one header, never erasing rows', async () => {
    const logDir = join(dir(), 'append');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['--interval', '0', '--count', '50', '--log-dir', logDir]);
      assert.equal(r.code, 0, r.stderr);
    }
    const { rows, text } = await readRows(join(logDir, 'metric_log.csv'));
    assert.equal(rows.length, 100);
    assert.equal(text.split(METRIC_CSV_HEADER).length - 1, 1, 'one header');
    assert.equal(new Set(rows.map((r) => r.id)).size, 100);
  });

  it('CSV_FILE and IMG_FILE choose the outputs, as in the original services', async () => {
    const csv = join(dir(), 'env', 'custom.csv');
    const img = join(dir(), 'env', 'custom.png');
    const r = await runCli(['--interval', '0', '--count', '20'], { env: { CSV_FILE: csv, IMG_FILE: img } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await readRows(csv)).rows.length, 20);
    assert.ok((await stat(img)).size > 1000);
  });

  it('SIGINT stops it cleanly: exit 0, every row whole, the summary printed', async () => {
    const logDir = join(dir(), 'sigint');
    const { child, done } = startCli(['--interval', '5', '--log-dir', logDir]);
    // Stop it mid-run: once rows are flowing (start-up time varies on a loaded machine).
    const csv = join(logDir, 'metric_log.csv');
    for (let i = 0; i < 600; i++) {
      const size = await stat(csv).then(
        (s) => s.size,
        () => 0,
      );
      if (size > 2000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /joined [\d,]+ records/);
    const { rows } = await readRows(join(logDir, 'metric_log.csv'));
    assert.ok(rows.length > 0, 'some rows were written');
    const published = Number(/published ([\d,]+)/.exec(r.stdout)?.[1]?.replace(/,/g, ''));
    assert.equal(rows.length, published, 'every record published before the stop was logged');
  });

  it('rejects bad options and unreadable inputs with a clear message, no stack trace', async () => {
    const bad = await runCli(['--interval', '-5', '--count', '1']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--interval must be a duration, got -5/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);

    const unknown = await runCli(['--no-such-option']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown argument/i);

    const missing = await runCli(['--count', '1', '--dataset', join(dir(), 'nope.csv')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nope\.csv/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);

    const wrongModel = join(dir(), 'model.json');
    await writeFile(wrongModel, 'import os; os.system("echo pwned")');
    const code = await runCli(['--count', '1', '--model', wrongModel]);
    assert.notEqual(code.code, 0);
    assert.match(code.stderr, /model\.json/);
    assert.doesNotMatch(code.stdout + code.stderr, /pwned\n/);
  });

  it('a model that does not fit the data set is refused before anything runs', async () => {
    const raw = join(REPO_ROOT, 'data', 'diabetes-raw.csv');
    const model = join(dir(), 'three.json');
    const m = JSON.parse(await readFile(join(REPO_ROOT, 'models', 'diabetes-linear.json'), 'utf8')) as {
      features: string[];
      coefficients: number[];
      reference?: unknown;
    };
    delete m.reference; // profiles ten features: it would be refused first, for its own mismatch
    m.features = m.features.slice(0, 3);
    m.coefficients = m.coefficients.slice(0, 3);
    await writeFile(model, JSON.stringify(m));
    const r = await runCli([
      '--count',
      '1',
      '--dataset',
      raw,
      '--model',
      model,
      '--log-dir',
      join(dir(), 'x'),
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /expects 3 features/);
  });
});

describe('the installed bin', { skip: compiled ? false : 'needs the build (npm test builds first)' }, () => {
  // What `npx pipeline` runs: package.json's bin, executed as a program (shebang and executable bit). Running npx
  // itself here would install this checkout into npx's cache and run `prepare`, rebuilding dist/ under the tests.
  it('is package.json bin, executable, and runs the pipeline', async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      bin: { pipeline: string };
    };
    const bin = join(REPO_ROOT, pkg.bin.pipeline);
    const dir = await mkdtemp(join(tmpdir(), 'pipeline-bin-'));
    try {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          bin,
          ['--transport=memory', '--interval', '0', '--count', '20', '--log-dir', dir],
          {
            cwd: REPO_ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr.on('data', (b: Buffer) => (out += b.toString()));
        child.on('error', (e) => resolve({ code: -1, out: e.message }));
        child.on('close', (code) => resolve({ code, out }));
      });
      assert.equal(r.code, 0, r.out);
      assert.equal((await readRows(join(dir, 'metric_log.csv'))).rows.length, 20);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('pipeline --help', () => {
  for (const cmd of [[], ['features'], ['model'], ['metric'], ['plot'], ['train'], ['dashboard']]) {
    it(`answers for ${cmd.length ? cmd.join(' ') : 'the default command'}`, async () => {
      const r = await runCli([...cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /--help/);
      if (cmd[0] !== 'train' && cmd[0] !== 'plot') assert.match(r.stdout, /--transport/);
    });
  }

  it('shows the defaults of the code each option configures', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    const line = (flag: string): string =>
      r.stdout.slice(r.stdout.indexOf(`--${flag} `)).split('--')[1] ?? '';
    assert.match(line('interval'), new RegExp(`default: ${FEATURES_DEFAULTS.intervalMs}\\]`));
    assert.match(line('join-ttl'), new RegExp(`default: ${METRIC_DEFAULTS.ttlMs}\\]`));
    assert.match(line('prefetch'), new RegExp(`default: ${METRIC_DEFAULTS.prefetch}\\]`));
    assert.match(line('bins'), new RegExp(`default: ${PLOT_DEFAULTS.bins}\\]`));
    assert.match(line('plot-interval'), new RegExp(`default: ${PLOT_DEFAULTS.intervalMs}\\]`));
  });

  it('refuses an option a command does not have, with exit code 2', async () => {
    const r = await runCli(['plot', '--transport=nats']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown argument: transport/);
  });

  it('a lone service on the memory transport is refused with the way out', async () => {
    const r = await runCli(['model', '--transport=memory']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pipeline --transport=memory/);
  });
});

describe('pipeline train', () => {
  it('writes a model that the pipeline then uses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipeline-train-'));
    try {
      const out = join(dir, 'raw.json');
      const t = await runCli([
        'train',
        '--dataset',
        join(REPO_ROOT, 'data', 'diabetes-raw.csv'),
        '--out',
        out,
      ]);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /MAE 43\.2\d/);
      const r = await runCli([
        '--interval',
        '0',
        '--count',
        '30',
        '--dataset',
        join(REPO_ROOT, 'data', 'diabetes-raw.csv'),
        '--model',
        out,
        '--log-dir',
        join(dir, 'logs'),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await readRows(join(dir, 'logs', 'metric_log.csv'))).rows.length, 30);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
