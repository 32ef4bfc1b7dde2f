/**
 * --tls-ca, --tls-cert and --tls-key with the built CLI: a TLS broker whose CA is not given is refused at once
 * (exit 77, one line naming --tls-ca); given the CA (and a client certificate where the server asks for one) the
 * command connects and stops cleanly; files that cannot be used are a usage error (exit 2) before any connection.
 *
 * RabbitMQ is reached through a TLS terminator in front of the shared broker, by `pipeline dashboard`, which only
 * reads broadcast topics and so never takes messages from the real queues.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli, startCli, type CliResult } from '../../harness/cli.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { NATS_SERVER_BIN } from '../../harness/natsServer.js';
import { until } from '../../harness/poll.js';
import { amqpsUrl } from '../../harness/tlsBrokers.js';
import { tlsRig } from '../support/tlsRig.js';
import { EXIT_PERMANENT_CONNECTION_FAILURE } from '../../src/cli/permanentFailure.js';

const skipNats = existsSync(NATS_SERVER_BIN) ? false : `${NATS_SERVER_BIN} is not installed`;
const skipAmqp = await brokerReachable('rabbitmq', AMQP_URL);

const rig = tlsRig();
const { natsServer } = rig;

/**
 * Exit 77 within 10 s, without a retry, and one error line, the last, saying the certificate was not trusted and
 * naming --tls-ca. (The dashboard closes its screen and connection first, and says so in an info line.)
 */
async function refusedUntrusted(args: readonly string[]): Promise<void> {
  const started = performance.now();
  const r = await runCli(args, { timeoutMs: 30_000 });
  assert.equal(r.code, EXIT_PERMANENT_CONNECTION_FAILURE, r.stderr);
  assert.ok(performance.now() - started < 10_000, 'at once, not after retries');
  const lines = r.stderr.trim().split('\n');
  assert.deepEqual(
    lines.filter((l) => / (warn|error) /.test(l)),
    lines.slice(-1),
    `one error line, last, and no warnings:\n${r.stderr}`,
  );
  assert.match(
    lines.at(-1) ?? '',
    /the certificate of .* was not trusted .*pass the CA that signed it with --tls-ca/,
  );
}

/** Runs the command until it logs `connected to <scheme>`, then stops it with SIGTERM: exit 0. */
async function connectsAndStops(
  args: readonly string[],
  scheme: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const { child, done } = startCli(args, { env });
  let stderr = '';
  child.stderr?.on('data', (b: string) => (stderr += b));
  await until(() => stderr.includes(`connected to ${scheme}`) || child.exitCode !== null, 'a connection', {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  assert.equal(child.exitCode, null, `still running:\n${stderr}`);
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warn|error/, 'no retries, no errors');
  return r;
}

describe('TLS options of the CLI', { timeout: 90_000 }, () => {
  it('nats with --tls: refused without --tls-ca, connected with it', { skip: skipNats }, async () => {
    const s = await natsServer('tls');
    await refusedUntrusted(['model', '--transport=nats', '--url', s.url]);
    await connectsAndStops(
      ['model', '--transport=nats', '--url', s.url, '--tls-ca', rig.certs.ca],
      '127.0.0.1:',
    );
  });

  it('nats with --tlsverify: a client certificate from the environment', { skip: skipNats }, async () => {
    const s = await natsServer('verify');
    await connectsAndStops(['model', '--transport=nats', '--url', s.url], '127.0.0.1:', {
      PIPELINE_TLS_CA: rig.certs.ca,
      PIPELINE_TLS_CERT: rig.certs.clientCert,
      PIPELINE_TLS_KEY: rig.certs.clientKey,
    });
  });

  it(
    'nats: a tls:// URL to a server without TLS is refused, not used in clear',
    { skip: skipNats },
    async () => {
      const s = await natsServer('plain');
      const r = await runCli(['model', '--transport=nats', '--url', `tls://127.0.0.1:${s.port}`], {
        timeoutMs: 30_000,
      });
      assert.equal(r.code, EXIT_PERMANENT_CONNECTION_FAILURE, r.stderr);
      assert.match(r.stderr, /nats-server at tls:\/\/127\.0\.0\.1:\d+ does not offer TLS there/);
    },
  );

  it('amqps://: refused without --tls-ca, connected with it', { skip: skipAmqp }, async () => {
    const url = amqpsUrl(await rig.amqpTerminator());
    await refusedUntrusted(['dashboard', '--transport=amqp', '--url', url]);
    const r = await connectsAndStops(
      ['dashboard', '--transport=amqp', '--url', url, '--tls-ca', rig.certs.ca],
      'amqps://',
    );
    assert.ok(!r.stderr.includes(`:${new URL(AMQP_URL).password}@`), 'the password is never printed');
  });

  it('files that cannot be used are a usage error, before any connection', async () => {
    const cases: [string[], RegExp][] = [
      [['--tls-ca', '/no/such/ca.pem'], /cannot read --tls-ca \/no\/such\/ca\.pem: ENOENT/],
      [['--tls-ca', rig.certs.dir], /cannot read --tls-ca .*EISDIR/],
      [
        ['--tls-ca', rig.certs.ca, '--tls-cert', rig.certs.clientCert],
        /--tls-cert and --tls-key go together/,
      ],
      [
        ['--tls-cert', rig.certs.clientCert, '--tls-key', `${rig.certs.dir}/client.ext`],
        /--tls-key .* holds no PEM block/,
      ],
    ];
    for (const [tlsArgs, message] of cases) {
      // A port nobody listens on: were the files taken, the command would retry instead of exiting.
      const r = await runCli(['model', '--transport=nats', '--url', 'nats://127.0.0.1:1', ...tlsArgs], {
        timeoutMs: 30_000,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    }
    const plain = await runCli(
      ['model', '--transport=amqp', '--url', 'amqp://guest:guest@127.0.0.1:1', '--tls-ca', rig.certs.ca],
      { timeoutMs: 30_000 },
    );
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /need an amqps:\/\/ URL/);
  });
});
