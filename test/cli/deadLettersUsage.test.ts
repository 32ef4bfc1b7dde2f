/**
 * `pipeline dead-letters` refuses what it cannot do with exit code 2 and a reason, and reports a broker it cannot
 * reach with exit code 1, at once (no retries). No broker is needed: the unreachable ones are closed loopback ports.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../harness/cli.js';

const run = (args: readonly string[]): ReturnType<typeof runCli> =>
  runCli(['dead-letters', ...args], { timeoutMs: 30_000 });

describe('pipeline dead-letters, usage and failures', () => {
  it('refuses the transports that keep no dead letters, with exit code 2', async () => {
    const memory = await run(['list', '--topic', 'features']);
    assert.equal(memory.code, 2);
    assert.match(
      memory.stderr,
      /memory transport keeps dead letters inside its one process.*--transport=amqp/,
    );
    const core = await run(['replay', '--topic', 'y_true', '--transport=nats', '--nats-mode=core']);
    assert.equal(core.code, 2);
    assert.match(core.stderr, /core NATS stores nothing/);
  });

  it('refuses bad usage with exit code 2', async () => {
    for (const args of [
      [],
      ['list', '--transport=amqp'],
      ['list', '--transport=amqp', '--topic', 'metrics'],
      ['replay', '--transport=amqp', '--topic', 'y_true', '--limit', '0'],
      ['purge', '--transport=amqp', '--topic', 'y_true', '--reason', 'Not A Code'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('reports a broker it cannot reach with exit code 1, without waiting for it', async () => {
    for (const [transport, url] of [
      ['amqp', 'amqp://guest:guest@127.0.0.1:1'],
      ['nats', 'nats://127.0.0.1:1'],
    ] as const) {
      const r = await run(['list', '--topic', 'features', `--transport=${transport}`, '--url', url]);
      assert.equal(r.signal, null, 'it ended by itself');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`pipeline dead-letters: ${transport} failed: `));
      assert.doesNotMatch(r.stderr, /guest:guest/, 'no password printed');
      assert.doesNotMatch(r.stderr, /still running/, 'nothing left open');
    }
  });
});
