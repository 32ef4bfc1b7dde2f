/**
 * --queue-type with the built CLI: quorum with --legacy-queues, or a type RabbitMQ's pipeline does not know, is a
 * usage error (exit 2) before any connection is made.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../harness/cli.js';

describe('pipeline --queue-type', { timeout: 60_000 }, () => {
  it('refuses quorum queues with --legacy-queues (exit 2), naming both', async () => {
    // A refused port: the error must come before any connection attempt, or the command would wait and retry.
    const r = await runCli(
      [
        'model',
        '--transport=amqp',
        '--url=amqp://guest:guest@127.0.0.1:1',
        '--queue-type=quorum',
        '--legacy-queues',
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--queue-type quorum cannot be combined with --legacy-queues/);
  });

  it('refuses an unknown type from PIPELINE_QUEUE_TYPE (exit 2)', async () => {
    const r = await runCli(['model', '--transport=amqp', '--url=amqp://guest:guest@127.0.0.1:1'], {
      env: { PIPELINE_QUEUE_TYPE: 'stream' },
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /PIPELINE_QUEUE_TYPE=stream is not one of classic, quorum/);
  });
});
