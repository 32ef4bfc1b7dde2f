/**
 * `pipeline dead-letters` end to end, over RabbitMQ and over NATS JetStream, with model and metric as processes of
 * the real CLI on the real topics: a malformed `features` message and a bad `y_true` are dead-lettered by the
 * services, two `y_true` without a `y_pred` are dead-lettered as unmatched by a metric with a 1 s join TTL.
 * `list` shows them by reason and leaves them in place; once the cause is fixed (the metric runs again with a
 * long join TTL and the missing `y_pred` are sent), `replay --reason unmatched` puts back exactly those two and
 * the metric logs each once; `purge` refuses without --yes and removes with it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURES, Y_PRED, Y_TRUE, deadLetterTopicName, type Topic } from '../../src/core/topics.js';
import { createTransport, type TransportKind } from '../../src/transports/createTransport.js';
import { streamName } from '../../src/transports/nats/names.js';
import { NATS_DEFAULTS } from '../../src/transports/nats/options.js';
import { AMQP_URL, brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { runCli, type CliResult } from '../../harness/cli.js';
import { until } from '../../harness/poll.js';
import { onRealTopicsPerBroker } from '../support/realTopicsSuite.js';
import { checkQueues, realStreams, resetRealQueues, resetRealStreams } from '../../harness/realQueues.js';
import { ServiceProcesses } from '../../harness/serviceProcesses.js';

interface Broker {
  readonly kind: Exclude<TransportKind, 'memory'>;
  readonly url: string;
  readonly reachable: () => Promise<string | false>;
  readonly reset: () => Promise<void>;
  /** Dead letters of `topic` as the broker reports them (not through the command under test). */
  readonly deadLetters: (topic: Topic) => Promise<number>;
}

const BROKERS: readonly Broker[] = [
  {
    kind: 'amqp',
    url: AMQP_URL,
    reachable: () => brokerReachable('rabbitmq', AMQP_URL),
    reset: resetRealQueues,
    deadLetters: async (topic) => {
      const name = deadLetterTopicName(topic.name);
      return (await checkQueues([name])).get(name)?.messages ?? 0;
    },
  },
  {
    kind: 'nats',
    url: NATS_URL,
    reachable: () => brokerReachable('nats', NATS_URL),
    reset: () => resetRealStreams(NATS_URL),
    deadLetters: async (topic) =>
      (await realStreams(NATS_URL)).messages.get(
        streamName(NATS_DEFAULTS.streamPrefix, topic.name, 'deadLetter'),
      ) ?? 0,
  },
];

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Runs `pipeline dead-letters …` on `broker` to its end (bounded). */
const deadLetters = (broker: Broker, args: readonly string[]): Promise<CliResult> =>
  runCli(['dead-letters', ...args, `--transport=${broker.kind}`, '--url', broker.url], { timeoutMs: 30_000 });

const rowsOf = async (csv: string, id: string): Promise<number> =>
  (await readFile(csv, 'utf8').catch(() => '')).split('\n').filter((l) => l.startsWith(`${id},`)).length;

describe('pipeline dead-letters over the brokers', () => {
  const procs = new ServiceProcesses();
  const useBroker = onRealTopicsPerBroker(() => procs.stopAll());

  for (const broker of BROKERS) {
    it(
      `${broker.kind}: list by reason, replay the unmatched once fixed, purge`,
      { timeout: 120_000 },
      async (t) => {
        if (!(await useBroker(t, broker))) return;
        const dir = await mkdtemp(join(tmpdir(), `dead-letters-${broker.kind}-`));
        t.after(() => rm(dir, { recursive: true, force: true }));
        const csv = join(dir, 'metric_log.csv');
        const on = [`--transport=${broker.kind}`, '--url', broker.url];
        const connected = new RegExp(`${broker.kind}: connected`);
        const transport = await createTransport({
          kind: broker.kind,
          url: broker.url,
          logger: () => undefined,
        });
        t.after(() => transport.close());

        procs.start('model', { command: 'model', args: on });
        procs.start('metric', { command: 'metric', args: [...on, '--log-dir', dir, '--join-ttl', '1000'] });
        await procs.waitForOutput('model', connected, 30_000);
        await procs.waitForOutput('metric', /metric: appending to/, 30_000);

        await transport.publishRaw(FEATURES, text('not json 1'));
        await transport.publishRaw(FEATURES, text('not json 2'));
        await transport.publishRaw(FEATURES, text('{"body":[0,0,0,0,0,0,0,0,0,0]}'));
        await transport.publishRaw(Y_TRUE, text('{"id":"bad-true","body":"x"}'));
        await transport.publish(Y_TRUE, { id: 'lonely-1', body: 151.5 });
        await transport.publish(Y_TRUE, { id: 'lonely-2', body: 75 });
        await until(
          async () => (await broker.deadLetters(FEATURES)) === 3 && (await broker.deadLetters(Y_TRUE)) === 3,
          'three dead letters of features and three of y_true',
          { timeoutMs: 30_000, intervalMs: 200, watch: procs },
        );

        const listed = await deadLetters(broker, ['list', '--topic', 'y_true']);
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /: 3 dead letters\n/);
        assert.match(listed.stdout, /by reason \(all 3\): unmatched 2, bad_body 1\n/);
        assert.match(listed.stdout, /lonely-1 {2}unmatched: no y_pred for id lonely-1 within 1000 ms/);
        assert.match(listed.stdout, /bad-true {2}bad_body: /);
        const features = await deadLetters(broker, ['list', '--topic', 'features', '--limit', '1']);
        assert.equal(features.code, 0, features.stderr);
        assert.match(features.stdout, /by reason \(all 3\): not_json 2, bad_id 1\n/);
        assert.match(
          features.stdout,
          /first 1 \(id, reason, body\):\n {2}\(no id\) {2}not_json: .* {2}not json [12]\n$/,
        );
        assert.equal(await broker.deadLetters(Y_TRUE), 3, 'list leaves the dead letters in place');
        assert.equal(await broker.deadLetters(FEATURES), 3, 'list leaves the dead letters in place');

        // The fix: a metric that waits long enough, and the predictions that were missing.
        await procs.stop('metric');
        procs.start('metric', { command: 'metric', args: [...on, '--log-dir', dir, '--join-ttl', '600000'] });
        await procs.waitForOutput('metric', /metric: appending to/, 30_000);
        await transport.publish(Y_PRED, { id: 'lonely-1', body: 150 });
        await transport.publish(Y_PRED, { id: 'lonely-2', body: 80 });

        const replay = await deadLetters(broker, ['replay', '--topic', 'y_true', '--reason', 'unmatched']);
        assert.equal(replay.code, 0, replay.stderr);
        assert.match(replay.stdout, /replayed 2 to y_true \(by reason: unmatched 2\)\n/);
        assert.match(replay.stdout, /left in .*: 1\n/);
        assert.match(replay.stdout, /passed over, in place: 1 with other reasons\n/);
        await until(
          async () => (await rowsOf(csv, 'lonely-1')) > 0 && (await rowsOf(csv, 'lonely-2')) > 0,
          'the replayed records in the metric log',
          { timeoutMs: 30_000, intervalMs: 200, watch: procs },
        );
        await procs.stop('metric');
        await procs.stop('model');
        assert.equal(await rowsOf(csv, 'lonely-1'), 1);
        assert.equal(await rowsOf(csv, 'lonely-2'), 1);
        assert.equal(await broker.deadLetters(Y_TRUE), 1, 'only the bad y_true is left');
        const after = await deadLetters(broker, ['list', '--topic', 'y_true']);
        assert.match(after.stdout, /by reason \(all 1\): bad_body 1\n/);

        const refused = await deadLetters(broker, ['purge', '--topic', 'y_true']);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /would remove 1 dead letters from .*; add --yes/);
        assert.equal(await broker.deadLetters(Y_TRUE), 1);
        const purged = await deadLetters(broker, ['purge', '--topic', 'y_true', '--yes']);
        assert.equal(purged.code, 0, purged.stderr);
        assert.match(purged.stdout, /removed 1 dead letters/);
        assert.equal(await broker.deadLetters(Y_TRUE), 0);

        const byReason = await deadLetters(broker, [
          'purge',
          '--topic',
          'features',
          '--reason',
          'not_json',
          '--yes',
        ]);
        assert.equal(byReason.code, 0, byReason.stderr);
        assert.match(byReason.stdout, /removed 2 dead letters \(not_json\) from .*; left: 1\n/);
        const left = await deadLetters(broker, ['list', '--topic', 'features']);
        assert.match(left.stdout, /by reason \(all 1\): bad_id 1\n/);
      },
    );
  }
});
