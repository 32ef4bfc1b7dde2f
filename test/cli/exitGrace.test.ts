/**
 * A finished command exits even when something it used left a handle open (as nats.js can, completing a
 * reconnect it had under way when its connection was closed): the bin ends the process after a grace period,
 * with the command's own exit code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../../harness/cli.js';

describe('the pipeline bin', () => {
  it('exits once its command has finished, even with a handle left open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exit-grace-'));
    try {
      // Stands for a library's leftover socket or timer: a ref'd interval that would keep node alive forever.
      const leak = join(dir, 'leak.cjs');
      await writeFile(leak, 'setInterval(() => undefined, 1000);\n');
      const started = Date.now();
      const r = await runCli(
        ['train', '--dataset', join(REPO_ROOT, 'data', 'diabetes.csv'), '--out', join(dir, 'model.json')],
        { env: { NODE_OPTIONS: `--require ${leak}` }, timeoutMs: 30_000 },
      );
      assert.equal(r.signal, null, 'it ended by itself, not by the test timeout');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /still running 3000 ms after finishing \(a connection left open\); exiting/);
      assert.ok(Date.now() - started < 25_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits at once, without that message, when nothing is left open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exit-grace-'));
    try {
      const r = await runCli(
        ['train', '--dataset', join(REPO_ROOT, 'data', 'diabetes.csv'), '--out', join(dir, 'model.json')],
        { timeoutMs: 30_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /still running/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
