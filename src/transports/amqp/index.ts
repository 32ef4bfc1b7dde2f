/**
 * The RabbitMQ transport (amqplib).
 *
 * @example
 * ```ts
 * const transport = await createAmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:5672' });
 * transport.state$.subscribe((s) => console.log('amqp', s));
 * await transport.publish(FEATURES, { id: 'r1', body: [0.1, 0.2] });
 * ```
 */
import type { Transport } from '../../core/transport.js';
import { AmqpTransport } from './amqpTransport.js';
import { AmqpConnection } from './connection.js';
import { redactingLogger } from '../../core/log.js';
import { resolveAmqpOptions, type AmqpTransportOptions } from './options.js';

export { AMQP_DEFAULTS, resolveAmqpOptions, resolveAmqpUrl } from './options.js';
export type { AmqpReconnectOptions, AmqpTransportOptions } from './options.js';
export { PublishNackedError } from './publisher.js';
export { AmqpTransport } from './amqpTransport.js';

/**
 * Creates the transport and starts connecting. Resolves at once, even when the broker is not up yet:
 * `state$` goes `connecting` → `reconnecting` (while attempts fail) → `connected`, and publishes wait meanwhile.
 * Throws a `RangeError` for impossible options.
 */
export async function createAmqpTransport(options: AmqpTransportOptions = {}): Promise<Transport> {
  const resolved = resolveAmqpOptions(options);
  const log = redactingLogger(resolved.logger);
  const conn = await AmqpConnection.open(resolved, log);
  return new AmqpTransport(conn, resolved, log);
}
