/**
 * Creates or updates, idempotently, the JetStream streams and durable consumers of names.ts. Every replica of
 * every service runs this at start, concurrently: "already exists" is success, and a changed limit is updated
 * in place.
 */
import type { ConsumerConfig, JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import type { Logger } from '../../core/log.js';
import { consumerUpdate, streamConfig, streamUpdate, subjectOf, type StreamKind } from './names.js';
import type { ResolvedNatsOptions } from './options.js';

/** JetStream API error codes this module reacts to (nats-server's `err_code`). */
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const STREAM_SUBJECTS_OVERLAP = 10065;
const CONSUMER_NOT_FOUND = 10014;
const WORKQUEUE_CONSUMER_NOT_UNIQUE = 10100;
const WORKQUEUE_MULTIPLE_UNFILTERED = 10099;

/** The server's JetStream error code carried by a nats.js error, if any. */
export function jsErrorCode(e: unknown): number | undefined {
  const api = (e as { api_error?: { err_code?: number } } | null)?.api_error;
  return api?.err_code;
}

/** A configuration conflict that retrying cannot fix: consumers fail with it. */
export class NatsTopologyError extends Error {
  override readonly name = 'NatsTopologyError';
}

export class JetStreamTopology {
  private readonly streams = new Map<string, Promise<string>>();
  private readonly managers = new WeakMap<NatsConnection, Promise<JetStreamManager>>();
  private readonly clients = new WeakMap<NatsConnection, JetStreamClient>();

  constructor(
    private readonly o: ResolvedNatsOptions,
    private readonly log: Logger,
  ) {}

  /** The JetStream client of `nc` (one per connection). */
  client(nc: NatsConnection): JetStreamClient {
    let js = this.clients.get(nc);
    if (js === undefined) {
      js = nc.jetstream({ timeout: this.o.publishTimeoutMs });
      this.clients.set(nc, js);
    }
    return js;
  }

  /** Ensures the stream of `topic` (messages or dead letters) once; resolves with its name. */
  stream(nc: NatsConnection, topic: string, kind: StreamKind): Promise<string> {
    const key = `${kind}:${topic}`;
    let p = this.streams.get(key);
    if (p === undefined) {
      p = this.ensureStream(nc, topic, kind);
      this.streams.set(key, p);
      p.catch(() => this.streams.delete(key));
    }
    return p;
  }

  /** Forgets that the stream exists (the server said otherwise): the next use ensures it again. */
  forget(topic: string, kind: StreamKind): void {
    this.streams.delete(`${kind}:${topic}`);
  }

  /** Creates the durable consumer or brings its settings in line. */
  async consumer(
    nc: NatsConnection,
    stream: string,
    cfg: Partial<ConsumerConfig> & { durable_name: string },
  ): Promise<void> {
    const jsm = await this.manager(nc);
    const durable = cfg.durable_name;
    try {
      const info = await jsm.consumers.info(stream, durable);
      if (info.config.filter_subject !== undefined && info.config.filter_subject !== cfg.filter_subject)
        throw new NatsTopologyError(
          `consumer ${durable} of stream ${stream} reads ${info.config.filter_subject}, not ${String(cfg.filter_subject)}; ` +
            'choose another group or delete that consumer',
        );
      const diff = consumerUpdate(info.config, cfg);
      if (diff === undefined) return;
      // Updating a consumer that replicas are pulling from confuses nats-server 2.9 (a redelivery went to a
      // stale pull request and another message was delivered twice), so settings change only while it is idle:
      // when every replica has stopped, e.g. on a redeploy.
      if (info.num_waiting === 0 && info.num_ack_pending === 0) {
        await jsm.consumers.update(stream, durable, diff);
        this.log('info', `updated consumer ${durable} of stream ${stream}: ${JSON.stringify(diff)}`);
      } else {
        this.log(
          'warn',
          `consumer ${durable} of stream ${stream} is in use; keeping its settings until it is idle ` +
            `(wanted ${JSON.stringify(diff)})`,
        );
      }
      return;
    } catch (e) {
      if (jsErrorCode(e) !== CONSUMER_NOT_FOUND) throw e;
    }
    try {
      await jsm.consumers.add(stream, cfg);
      this.log('info', `created consumer ${durable} on ${String(cfg.filter_subject)}`);
    } catch (e) {
      const code = jsErrorCode(e);
      if (code !== WORKQUEUE_CONSUMER_NOT_UNIQUE && code !== WORKQUEUE_MULTIPLE_UNFILTERED) throw e;
      const others: string[] = [];
      for await (const c of jsm.consumers.list(stream)) others.push(c.name);
      throw new NatsTopologyError(
        `${String(cfg.filter_subject)} is a work queue already read by consumer(s) ${others.join(', ')}: ` +
          `every replica of the one service that reads it must use the same group (this one asked for ${durable}); ` +
          'delete the stale consumer if the group was renamed',
      );
    }
  }

  /** The JetStream manager of `nc` (one per connection). */
  manager(nc: NatsConnection): Promise<JetStreamManager> {
    let p = this.managers.get(nc);
    if (p === undefined) {
      p = nc.jetstreamManager({ timeout: this.o.publishTimeoutMs });
      this.managers.set(nc, p);
      p.catch(() => this.managers.delete(nc));
    }
    return p;
  }

  private async ensureStream(nc: NatsConnection, topic: string, kind: StreamKind): Promise<string> {
    const cfg = streamConfig(topic, kind, this.o);
    const name = cfg.name as string;
    const jsm = await this.manager(nc);
    try {
      const info = await jsm.streams.info(name);
      const diff = streamUpdate(info.config, cfg);
      if (diff !== undefined) {
        await jsm.streams.update(name, diff);
        this.log('info', `updated stream ${name}: ${JSON.stringify(diff)}`);
      }
      return name;
    } catch (e) {
      if (jsErrorCode(e) !== STREAM_NOT_FOUND) throw e;
    }
    try {
      await jsm.streams.add(cfg);
      this.log('info', `created stream ${name} for ${subjectOf(topic, kind)}`);
      return name;
    } catch (e) {
      const code = jsErrorCode(e);
      // Another replica created it between our info and add.
      if (code === STREAM_NAME_IN_USE) return name;
      if (code !== STREAM_SUBJECTS_OVERLAP) throw e;
      // Someone else's stream already captures the subject: use it as it is, as the RabbitMQ transport uses a
      // queue declared by someone else.
      const other = await jsm.streams.find(subjectOf(topic, kind));
      this.log('warn', `${subjectOf(topic, kind)} is already stored by stream ${other}; using it as it is`);
      return other;
    }
  }
}
