/**
 * The plot gives way to the services: `pipeline plot` runs at nice 10, and `lowerPriority('thread')` lowers only
 * the calling thread (the one-process pipeline's plot worker), not the threads that move records.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowerPriority } from '../../src/cli/lowerPriority.js';
import { startCli } from '../../harness/cli.js';

/** The nice value of a task, field 19 of /proc/<task>/stat (after the parenthesised command name). */
const niceOf = (statPath: string): number => {
  const stat = readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

const linux = process.platform === 'linux';

describe('lowerPriority', { skip: linux ? false : 'thread priorities are read from /proc (Linux)' }, () => {
  it('runs `pipeline plot` at nice 10', async () => {
    // First in this file: a child inherits its parent thread's nice value, and the next test lowers this one's.
    assert.equal(niceOf('/proc/thread-self/stat'), 0, 'the test runs at normal priority');
    const dir = await mkdtemp(join(tmpdir(), 'plot-nice-'));
    const { child, done } = startCli(['plot', '--log-dir', dir, '--plot-interval', '60000']);
    try {
      let stderr = '';
      child.stderr?.on('data', (s: string) => (stderr += s));
      for (let i = 0; i < 200 && !/plot: .* every/.test(stderr); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(stderr, /plot: .* every/, 'the plot service started');
      assert.equal(niceOf(`/proc/${child.pid}/stat`), 10);
    } finally {
      child.kill('SIGTERM');
      const r = await done;
      await rm(dir, { recursive: true, force: true });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('lowers the calling thread to nice 10 and leaves the process its other threads', () => {
    const self = readlinkSync('/proc/thread-self'); // <pid>/task/<tid>
    const others = readdirSync(`/proc/${process.pid}/task`).filter((tid) => !self.endsWith(`/${tid}`));
    assert.ok(others.length > 0, 'node runs helper threads besides the main one');
    const before = others.map((tid) => niceOf(`/proc/${process.pid}/task/${tid}/stat`));
    assert.equal(lowerPriority('thread'), true);
    assert.equal(niceOf('/proc/thread-self/stat'), 10);
    assert.deepEqual(
      others.map((tid) => niceOf(`/proc/${process.pid}/task/${tid}/stat`)),
      before,
      'no other thread lowered',
    );
  });
});
