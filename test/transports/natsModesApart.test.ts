/**
 * Core and JetStream mode on one server do not feed each other: the JetStream streams store subjects of their
 * own (`pipeline.<topic>`), so a core-mode run leaves nothing in them. Runs the real one-process CLI three times
 * against a nats-server of the test's own (the shared one is not involved): JetStream, core, JetStream.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { QUEUE_TOPICS } from '../../src/core/topics.js';
import { streamName, subjectOf } from '../../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { runCli } from '../../harness/cli.js';
import { OwnNatsServer } from '../../harness/natsServer.js';

const RECORDS = 2_000;

/** The ids of the rows of a metric log (first column). */
async function loggedIds(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'metric_log.csv'), 'utf8');
  return text
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(',')[0] ?? '');
}

describe('core and JetStream mode on one server', () => {
  let server: OwnNatsServer;
  let dir: string;
  before(async () => {
    server = await OwnNatsServer.create();
    await server.start();
    dir = await mkdtemp(join(tmpdir(), 'nats-modes-'));
  });
  after(async () => {
    await server.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (runId: string, mode: 'jetstream' | 'core'): Promise<string[]> => {
    const logDir = join(dir, runId);
    const r = await runCli(
      [
        ...['--transport=nats', '--url', server.url, `--nats-mode=${mode}`, '--no-dashboard'],
        ...['--count', String(RECORDS), '--interval', '0', '--run-id', runId, '--log-dir', logDir],
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, `${mode} run exits 0\n${r.stderr}`);
    return loggedIds(logDir);
  };

  it(
    `a core run of ${RECORDS} between two JetStream runs leaves the second with exactly its own records`,
    {
      timeout: 360_000,
    },
    async () => {
      const first = await run('js1', 'jetstream');
      assert.equal(first.length, RECORDS);
      const core = await run('core', 'core');
      assert.ok(core.length > 0, 'the core run logged records');

      // The streams the first run created store nothing of the core run.
      const nc = await connect({ servers: server.url });
      try {
        const jsm = await nc.jetstreamManager();
        for (const t of QUEUE_TOPICS) {
          const info = await jsm.streams.info(streamName(NATS_DEFAULTS.streamPrefix, t.name, 'queue'));
          assert.deepEqual(info.config.subjects, [subjectOf(t.name, 'queue')]);
          assert.equal(info.state.messages, 0, `${info.config.name} is empty after the core run`);
        }
      } finally {
        await nc.close();
      }

      const second = await run('js2', 'jetstream');
      assert.equal(second.length, RECORDS, 'exactly the second run’s rows');
      assert.ok(
        second.every((id) => id.startsWith('js2-')),
        `only ids of the second run: ${second.find((id) => !id.startsWith('js2-'))}`,
      );
      assert.equal(new Set(second).size, RECORDS, 'each once');
    },
  );
});
