/**
 * A private Prometheus for the tests, and promtool: Debian's `prometheus` package (/usr/bin/prometheus,
 * /usr/bin/promtool). Missing tools skip with a loud message, unless REQUIRE_BROKERS=1 (CI), where they fail.
 * The server scrapes the targets it is given every second, keeps its data in a temporary directory, listens on a
 * free loopback port, and is stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './natsServer.js';
import { until } from './poll.js';

export { freePort };

const PROMETHEUS = process.env.TEST_PROMETHEUS ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.TEST_PROMTOOL ?? '/usr/bin/promtool';

/** `false` when prometheus and promtool are both there; else the reason to skip (printed loudly). */
export async function prometheusSkipReason(): Promise<string | false> {
  const missing: string[] = [];
  for (const file of [PROMETHEUS, PROMTOOL]) await access(file).catch(() => missing.push(file));
  if (missing.length === 0) return false;
  const message = `${missing.join(' and ')} not found (Debian package: prometheus)`;
  if (process.env.REQUIRE_BROKERS === '1')
    throw new Error(`${message}, and REQUIRE_BROKERS=1: the Prometheus tests must run`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING PROMETHEUS TESTS: ${message} !!!!!!!!!!\n`);
  return `${message} (set REQUIRE_BROKERS=1 to make this an error)`;
}

/** `promtool check metrics` of an exposition text: its exit code and what it reported. */
export function promtoolCheckMetrics(exposition: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.once('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(exposition);
  });
}

/** One sample of an instant vector: its labels and value. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RunningPrometheus {
  readonly port: number;
  /** `GET /api/v1/query`: the instant vector of `promql` now. */
  query(promql: string): Promise<Sample[]>;
  /** SIGTERM by pid (SIGKILL after 10 s), then removes its data directory. */
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (host:port) every second; resolves once it is ready. */
export async function startPrometheus(targets: readonly string[]): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: pipeline',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        return (await fetch(`${base}/-/ready`).catch(() => undefined))?.ok === true;
      },
      'prometheus to be ready',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    stop,
    query: async (promql) => {
      const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error ?? res.status}`);
      return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
