/**
 * Ownership of a metric partition on NATS JetStream: a key in the key-value bucket `pipeline_partitions`, whose
 * entries expire after `ttlMs` unless rewritten.
 * - `create` writes a key only when it is absent (or deleted), so one process at a time holds it; the others
 *   retry every `retryMs` and neither consume nor open the log meanwhile;
 * - the holder rewrites the key every `ttlMs / 3`, each time against the revision it wrote last, so a write
 *   fails if anyone else took the key in between;
 * - when the holder dies (kill -9, a vanished host), its key expires after at most `ttlMs` and the next attempt
 *   of another process takes it; a clean stop deletes the key at once.
 * A rewrite that fails (the key taken, or the server unreachable for longer than the refresh allows) loses the
 * lease: `lost` resolves and the metric must stop, since the next owner may be writing its log already.
 */
import { hostname } from 'node:os';
import { connect, type KV, type NatsConnection } from 'nats';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { abortableSleep } from '../../core/abortableSleep.js';
import type { TlsMaterial } from '../tlsMaterial.js';
import { natsConnectOptions } from './connectOptions.js';
import { resolveNatsOptions } from './options.js';

/** The key-value bucket of the partitions' leases (its stream is `KV_pipeline_partitions`). */
export const LEASE_BUCKET = 'pipeline_partitions';

export interface NatsLeaseOptions {
  readonly url?: string | undefined;
  readonly tls?: TlsMaterial | undefined;
  /** The key that stands for the lease. */
  readonly name: string;
  /** How long a lease outlives its holder's last rewrite. @default 10_000 */
  readonly ttlMs?: number;
  /** Pause between two attempts while another process holds the lease. @default 1000 */
  readonly retryMs?: number;
  /** Aborting stops waiting: `acquireNatsLease` then resolves to undefined. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export interface NatsLease {
  /** Resolves, with why, when the lease is lost; never once `release()` was called. */
  readonly lost: Promise<Error>;
  /** Gives the lease up: deletes the key and closes the connection. Idempotent. */
  release(): Promise<void>;
}

/** Waits until this process holds the lease (or `signal` aborts: undefined). */
export async function acquireNatsLease(options: NatsLeaseOptions): Promise<NatsLease | undefined> {
  const ttlMs = options.ttlMs ?? 10_000;
  const resolved = resolveNatsOptions(
    {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    },
    process.env,
  );
  const nc = await connect({ ...natsConnectOptions(resolved, () => 1000), name: `lease ${options.name}` });
  const holder = new TextEncoder().encode(`${hostname()} ${process.pid}`);
  let told = false;
  try {
    const kv = await nc.jetstream().views.kv(LEASE_BUCKET, { ttl: ttlMs, history: 1 });
    while (!options.signal.aborted) {
      try {
        const revision = await kv.create(options.name, holder);
        return held(nc, kv, options.name, holder, revision, ttlMs);
      } catch (e) {
        if (!told) {
          options.log(
            'info',
            `waiting for the lease ${options.name}: another process holds it (${errorMessage(e)})`,
          );
          told = true;
        }
        await abortableSleep(options.retryMs ?? 1000, options.signal);
      }
    }
  } catch (e) {
    await nc.close().catch(() => undefined);
    throw e;
  }
  await nc.close().catch(() => undefined);
  return undefined;
}

function held(
  nc: NatsConnection,
  kv: KV,
  key: string,
  holder: Uint8Array,
  first: number,
  ttlMs: number,
): NatsLease {
  let revision = first;
  let released = false;
  let lose: (e: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (lose = resolve));
  const timer = setInterval(() => {
    kv.update(key, holder, revision).then(
      (r) => void (revision = r),
      (e: unknown) => {
        if (released) return;
        clearInterval(timer);
        lose(new Error(`lost the partition lease ${key}: ${errorMessage(e)}`));
      },
    );
  }, ttlMs / 3);
  return {
    lost,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      // Deleted only if still ours: a stale holder must not free the key of the one that took it over.
      await kv.delete(key, { previousSeq: revision }).catch(() => undefined);
      await nc.close().catch(() => undefined);
    },
  };
}
