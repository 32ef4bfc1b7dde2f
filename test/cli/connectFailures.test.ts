/**
 * The built CLI against connections that can never succeed and against ones that may yet: refused credentials,
 * an unknown virtual host and malformed URLs end the command at once with one line and exit 77; a refused port is
 * retried, visibly, until the command is stopped.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { startCli, runCli, type CliResult } from '../../harness/cli.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { freePort, NATS_SERVER_BIN, OwnNatsServer } from '../../harness/natsServer.js';
import { until } from '../../harness/poll.js';
import { EXIT_PERMANENT_CONNECTION_FAILURE } from '../../src/cli/permanentFailure.js';

const skipAmqp = await brokerReachable('rabbitmq', AMQP_URL);
const skipNats = existsSync(NATS_SERVER_BIN) ? false : `${NATS_SERVER_BIN} is not installed`;
const servers: OwnNatsServer[] = [];

after(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

/** The shared broker's address with other credentials or another path. */
function amqpUrl(auth: string, path = ''): string {
  const u = new URL(AMQP_URL);
  return `amqp://${auth}@${u.hostname}:${u.port || 5672}${path}`;
}

/** Runs `pipeline model` to its end; the bound: a permanent failure ends it within 10 s. */
async function modelExits(args: readonly string[]): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  const r = await runCli(['model', ...args], { timeoutMs: 30_000 });
  return { ...r, ms: performance.now() - started };
}

/** Exit 77 within 10 s, with exactly one line on stderr matching `line`, and `secret` shown nowhere. */
function assertPermanent(r: CliResult & { ms: number }, line: RegExp, secret?: string): void {
  const output = `${r.stdout}${r.stderr}`;
  assert.equal(r.code, EXIT_PERMANENT_CONNECTION_FAILURE, output);
  assert.ok(r.ms < 10_000, `ended after ${Math.round(r.ms)} ms`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
  assert.match(lines[0] ?? '', line);
  if (secret !== undefined) assert.ok(!output.includes(secret), `the secret leaked:\n${output}`);
}

describe('permanent connection failures end the command with exit 77', () => {
  it('RabbitMQ refusing the credentials', { skip: skipAmqp, timeout: 40_000 }, async () => {
    const r = await modelExits(['--transport=amqp', '--url', amqpUrl('guest:WRONG')]);
    assertPermanent(r, /the credentials were refused by RabbitMQ at amqp:\/\/guest:\*\*\*@.*--url/, 'WRONG');
  });

  it('the dashboard too, once its screen is closed', { skip: skipAmqp, timeout: 40_000 }, async () => {
    const started = performance.now();
    const r = await runCli(['dashboard', '--transport=amqp', '--url', amqpUrl('guest:WRONG')], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, EXIT_PERMANENT_CONNECTION_FAILURE, r.stderr);
    assert.ok(performance.now() - started < 10_000, 'at once');
    const lines = r.stderr.trim().split('\n');
    assert.match(lines.at(-1) ?? '', /the credentials were refused by RabbitMQ/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('WRONG'), 'the password is never printed');
  });

  it('a RabbitMQ virtual host that does not exist', { skip: skipAmqp, timeout: 40_000 }, async () => {
    const r = await modelExits(['--transport=amqp', '--url', amqpUrl('guest:guest', '/no-such-vhost')]);
    assertPermanent(
      r,
      /would not open virtual host "no-such-vhost": it does not exist.*rabbitmqctl add_vhost/,
    );
  });

  it('malformed URLs, before any connection', { timeout: 60_000 }, async () => {
    const secret = 'Hunter2-secret';
    for (const [transport, url, why] of [
      ['amqp', `amqp://guest:${secret}@[bad`, /cannot be parsed/],
      ['amqp', `http://guest:${secret}@127.0.0.1:5672`, /must start with amqp:\/\/ or amqps:\/\//],
      ['nats', 'nats://127.0.0.1:notaport', /cannot be parsed/],
      ['nats', 'https://127.0.0.1:4222', /must start with nats:\/\/ or tls:\/\//],
    ] as const) {
      const r = await modelExits([`--transport=${transport}`, '--url', url]);
      assertPermanent(r, /the broker URL .* is not valid/, secret);
      assert.match(r.stderr, why);
    }
  });

  it(
    'nats-server refusing a token, and taking the right one',
    { skip: skipNats, timeout: 60_000 },
    async () => {
      const token = 'Right-t0ken-42';
      const s = await OwnNatsServer.create({ args: ['--auth', token] });
      servers.push(s);
      await s.start();
      const wrong = await modelExits([
        '--transport=nats',
        '--url',
        `nats://Wrong-t0ken-17@127.0.0.1:${s.port}`,
      ]);
      assertPermanent(
        wrong,
        /the credentials were refused by nats-server at nats:\/\/127\.0\.0\.1:\d+/,
        'Wrong-t0ken',
      );

      const right = startCli(['model', '--transport=nats', '--url', `nats://${token}@127.0.0.1:${s.port}`]);
      let stderr = '';
      right.child.stderr?.on('data', (b: string) => (stderr += b));
      await until(() => /connected to/.test(stderr), 'the connection with the right token', {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      right.child.kill('SIGTERM');
      const r = await right.done;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(token), 'the token is never printed');
    },
  );
});

describe('transient connection failures are retried, each attempt counted', () => {
  for (const transport of ['amqp', 'nats'] as const) {
    it(`${transport}: a refused port, until SIGTERM`, { timeout: 60_000 }, async () => {
      const port = await freePort();
      const url = transport === 'amqp' ? `amqp://guest:guest@127.0.0.1:${port}` : `nats://127.0.0.1:${port}`;
      const { child, done } = startCli(['model', `--transport=${transport}`, '--url', url]);
      let stderr = '';
      child.stderr?.on('data', (b: string) => (stderr += b));
      const attempts = (): number[] =>
        [...stderr.matchAll(/warn .*ECONNREFUSED|warn .*CONNECTION_REFUSED/g)].map((m) =>
          Number(/attempt (\d+)/.exec(m[0])?.[1] ?? -1),
        );
      // The backoff starts at 100-250 ms: four attempts come within a few seconds, each with its warning.
      await until(() => attempts().length >= 4, 'four counted attempts', {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      assert.equal(child.exitCode, null, `still running:\n${stderr}`);
      assert.deepEqual(attempts().slice(0, 4), [1, 2, 3, 4], stderr);
      const stopped = performance.now();
      child.kill('SIGTERM');
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(performance.now() - stopped < 15_000, 'a clean stop, not a hang');
    });
  }
});
