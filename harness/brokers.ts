/**
 * Broker availability for tests. Broker tests run against the real brokers on this machine; when one is
 * unreachable they skip with a loud message, unless REQUIRE_BROKERS=1 (CI), where an unreachable broker fails.
 */
import net from 'node:net';

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

const required = (): boolean => process.env.REQUIRE_BROKERS === '1';

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves to `false` (a reason to skip, already printed loudly) or `true` when the broker answers.
 * Under REQUIRE_BROKERS=1 an unreachable broker throws, so CI can never pass by skipping.
 */
export async function brokerReachable(name: 'rabbitmq' | 'nats', url: string): Promise<string | false> {
  const u = new URL(url);
  const port = Number(u.port || (name === 'rabbitmq' ? 5672 : 4222));
  if (await isListening(u.hostname, port)) return false;
  const message = `${name} is not reachable at ${u.hostname}:${port}`;
  if (required()) throw new Error(`${message}, and REQUIRE_BROKERS=1: broker tests must run`);
  const banner = `\n!!!!!!!!!! SKIPPING ${name.toUpperCase()} TESTS: ${message} !!!!!!!!!!\n`;
  process.stderr.write(banner);
  return `${message} (set REQUIRE_BROKERS=1 to make this an error)`;
}
