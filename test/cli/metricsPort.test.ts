/**
 * `--metrics-port` as a user meets it: a port already taken stops the command at once with exit code 2 and a
 * message naming the port, whether it came from the flag or from PIPELINE_METRICS_PORT; a bad value is refused.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../harness/cli.js';

describe('--metrics-port', () => {
  const busy = net.createServer();
  let port = 0;
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metrics-port-'));
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => busy.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const run = ['--transport=memory', '--count', '5', '--interval', '0', '--no-dashboard', '--log-dir'];

  it('exits 2 naming a port in use (flag)', async () => {
    const r = await runCli([...run, dir, '--metrics-port', String(port)], { timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--metrics-port ${port} is already in use`));
  });

  it('exits 2 naming a port in use (PIPELINE_METRICS_PORT)', async () => {
    const r = await runCli(['plot', '--log-dir', dir], {
      timeoutMs: 30_000,
      env: { PIPELINE_METRICS_PORT: String(port) },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--metrics-port ${port} is already in use`));
  });

  it('refuses a value that is no port', async () => {
    const r = await runCli([...run, dir, '--metrics-port', '70000'], { timeoutMs: 30_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--metrics-port must be a port number/);
  });
});
