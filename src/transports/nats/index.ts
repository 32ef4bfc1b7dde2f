/**
 * The NATS transport (`nats` 2.x): JetStream mode (default; durable, at-least-once) or core mode (fastest,
 * at-most-once). See jetstreamTransport.ts and coreTransport.ts for what each guarantees.
 *
 * @example
 * ```ts
 * const transport = await createNatsTransport({ url: 'nats://127.0.0.1:4222' });
 * transport.state$.subscribe((s) => console.log('nats', s));
 * await transport.publish(FEATURES, { id: 'r1', body: [1, 2, 3] });
 * ```
 */
import type { Transport } from '../../core/transport.js';
import { redactingLogger } from '../../core/log.js';
import { ManagedConnection } from './connection.js';
import { NatsContext } from './context.js';
import { CoreTransport } from './coreTransport.js';
import { JetStreamTransport } from './jetstreamTransport.js';
import { resolveNatsOptions, type NatsTransportOptions } from './options.js';

export type { NatsMode, NatsTransportOptions } from './options.js';
export { NATS_DEFAULTS, DEFAULT_NATS_URL } from './options.js';
export { NatsTopologyError } from './topology.js';
export {
  DEAD_LETTER_REASON_HEADER,
  ORIGINAL_TOPIC_HEADER,
  ORIGINAL_DELIVERY_COUNT_HEADER,
} from './deadLetter.js';
import { toError } from '../../core/errors.js';

/**
 * Creates a NATS transport and starts connecting in the background. Resolves at once, also when the server is
 * not up yet: `state$` goes `connecting` → `reconnecting` (while it retries, forever, with backoff and jitter)
 * → `connected`; publishes and consumers wait for the connection. Rejects only on invalid options.
 * Options default from the environment: NATS_URL, NATS_TOKEN, NATS_CREDS, NATS_NKEY.
 */
export function createNatsTransport(options: NatsTransportOptions = {}): Promise<Transport> {
  try {
    const o = resolveNatsOptions(options, process.env);
    const log = redactingLogger(o.logger);
    const name = o.mode === 'core' ? 'nats-core' : 'nats';
    const conn = new ManagedConnection(name, o, log);
    const ctx = new NatsContext(name, conn, o, log);
    const transport = o.mode === 'core' ? new CoreTransport(ctx) : new JetStreamTransport(ctx);
    conn.start();
    return Promise.resolve(transport);
  } catch (e) {
    return Promise.reject(toError(e));
  }
}
