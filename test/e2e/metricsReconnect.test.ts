/**
 * /readyz and the transport metrics across a broker outage: `model` over NATS JetStream on a nats-server of the
 * test's own, with --metrics-port. Ready while connected; when the server is killed, alive but not ready, saying
 * it is reconnecting, with `pipeline_transport_connected` 0 and one reconnect counted; ready again once the server
 * is back.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { freePort, NATS_SERVER_BIN, OwnNatsServer } from '../../harness/natsServer.js';
import { until } from '../../harness/poll.js';
import { ServiceProcesses } from '../../harness/serviceProcesses.js';

const get = async (port: number, path: string): Promise<{ status: number; body: string } | undefined> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  return res && { status: res.status, body: await res.text() };
};

const series = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

async function skipReason(): Promise<string | false> {
  if (
    await access(NATS_SERVER_BIN).then(
      () => true,
      () => false,
    )
  )
    return false;
  const message = `${NATS_SERVER_BIN} not found`;
  if (process.env.REQUIRE_BROKERS === '1') throw new Error(`${message}, and REQUIRE_BROKERS=1`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING NATS OUTAGE TEST: ${message} !!!!!!!!!!\n`);
  return message;
}

describe('metrics endpoint across a broker outage', () => {
  const procs = new ServiceProcesses();
  let server: OwnNatsServer | undefined;
  after(async () => {
    await procs.stopAll();
    await server?.dispose();
  });

  it(
    'nats: not ready while reconnecting, one reconnect counted, ready again after',
    { timeout: 90_000 },
    async (t) => {
      const skip = await skipReason();
      if (skip) return t.skip(skip);
      server = await OwnNatsServer.create();
      await server.start();
      const port = await freePort();
      procs.start('model', {
        command: 'model',
        args: ['--transport=nats', '--url', server.url, '--metrics-port', String(port)],
      });
      const wait = (what: string, check: () => Promise<boolean>): Promise<true> =>
        until(async () => (await check()) || undefined, what, {
          timeoutMs: 30_000,
          intervalMs: 100,
          watch: procs,
        });

      await wait('ready', async () => (await get(port, '/readyz'))?.status === 200);
      let metrics = (await get(port, '/metrics'))?.body ?? '';
      assert.equal(series(metrics, 'pipeline_transport_connected'), 1);
      assert.equal(series(metrics, 'pipeline_transport_reconnects_total'), 0);

      await server.stop(true);
      await wait('not ready', async () => (await get(port, '/readyz'))?.status === 503);
      const down = await get(port, '/readyz');
      assert.match(down?.body ?? '', /nats transport is reconnecting/);
      assert.equal((await get(port, '/healthz'))?.status, 200, 'alive while not ready');
      metrics = (await get(port, '/metrics'))?.body ?? '';
      assert.equal(series(metrics, 'pipeline_transport_connected'), 0);
      assert.equal(series(metrics, 'pipeline_transport_reconnects_total'), 1);

      await server.start();
      await wait('ready again', async () => (await get(port, '/readyz'))?.status === 200);
      metrics = (await get(port, '/metrics'))?.body ?? '';
      assert.equal(series(metrics, 'pipeline_transport_connected'), 1);
      assert.equal(series(metrics, 'pipeline_transport_reconnects_total'), 1);
      const exit = await procs.stop('model');
      assert.equal(exit.code, 0);
    },
  );
});
