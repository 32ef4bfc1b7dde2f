/** `retrying`: the harness's wait on a server that answers with errors for a while. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retrying } from '../../harness/poll.js';

describe('retrying', () => {
  it('resolves with the first attempt that does not throw', async () => {
    let calls = 0;
    const value = await retrying(
      () => (++calls < 3 ? Promise.reject(new Error(`no leader (${calls})`)) : Promise.resolve('n2')),
      'the leader',
      { timeoutMs: 5_000, intervalMs: 1 },
    );
    assert.deepEqual([value, calls], ['n2', 3]);
  });

  it('rejects after the timeout with what it tried and the last error', async () => {
    let calls = 0;
    await assert.rejects(
      retrying(() => Promise.reject(new Error(`no leader (${++calls})`)), 'the leader of S', {
        timeoutMs: 30,
        intervalMs: 5,
      }),
      (e: Error) =>
        e.message.startsWith('the leader of S: Error: no leader (') && e.message.endsWith(`(${calls})`),
    );
    assert.ok(calls > 1, 'tried more than once');
  });
});
