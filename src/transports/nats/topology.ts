/**
 * Creates or updates, idempotently, the JetStream streams and durable consumers of names.ts. Every replica of
 * every service runs this at start, concurrently: "already exists" is success, and a changed limit is updated
 * in place. A stream created by an older version on the bare topic names is moved to the current subjects
 * (legacySubjects.ts). A stream's replica count is never changed: an existing stream is used as it is.
 */
import type { ConsumerConfig, JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import type { Logger } from '../../core/log.js';
import { errorMessage } from '../../core/errors.js';
import { CONSUMER_NOT_FOUND, jsErrorCode, STREAM_NOT_FOUND } from './jsErrors.js';
import { migratedSubjects, moveLegacyMessages } from './legacySubjects.js';
import {
  consumerUpdate,
  legacySubjectOf,
  streamConfig,
  streamUpdate,
  subjectOf,
  type StreamKind,
} from './names.js';
import type { ResolvedNatsOptions } from './options.js';

export { jsErrorCode };

/** More JetStream API error codes this module reacts to (nats-server's `err_code`). */
const STREAM_NAME_IN_USE = 10058;
const STREAM_SUBJECTS_OVERLAP = 10065;
const WORKQUEUE_CONSUMER_NOT_UNIQUE = 10100;
const WORKQUEUE_MULTIPLE_UNFILTERED = 10099;
/**
 * More than one replica asked of a server that is not clustered. (Too few servers up in a cluster is "no suitable
 * peers for placement" instead: that may pass, as a node comes back, so it is retried like any other failure.)
 */
const REPLICAS_NOT_SUPPORTED = 10074;

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
    legacy?: string,
  ): Promise<void> {
    const jsm = await this.manager(nc);
    const durable = cfg.durable_name;
    let info = await jsm.consumers.info(stream, durable).catch((e: unknown) => {
      if (jsErrorCode(e) === CONSUMER_NOT_FOUND) return undefined;
      throw e;
    });
    if (info !== undefined && legacy !== undefined && info.config.filter_subject === legacy) {
      // Created by an older version on the bare topic name. Its unacked messages stay in the stream (and are
      // moved to the new subject with the others): deleting it loses nothing.
      await jsm.consumers.delete(stream, durable).catch((e: unknown) => {
        if (jsErrorCode(e) !== CONSUMER_NOT_FOUND) throw e;
      });
      this.log(
        'info',
        `consumer ${durable} of stream ${stream} read ${legacy}; re-creating it on ${String(cfg.filter_subject)}`,
      );
      info = undefined;
    }
    if (info !== undefined) {
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
    const subject = subjectOf(topic, kind);
    const legacy = legacySubjectOf(topic, kind);
    const jsm = await this.manager(nc);
    const info = await jsm.streams.info(name).catch((e: unknown) => {
      if (jsErrorCode(e) === STREAM_NOT_FOUND) return undefined;
      throw e;
    });
    if (info !== undefined) {
      if (info.config.num_replicas !== this.o.replicas)
        this.log(
          'warn',
          `stream ${name} exists with ${info.config.num_replicas} replica(s), not ${this.o.replicas}; using it as ` +
            'it is (a stream is not re-replicated behind its owner’s back: change it with `nats stream edit`)',
        );
      const subjects = migratedSubjects(info.config.subjects, legacy, subject);
      const diff = streamUpdate(info.config, cfg);
      if (diff !== undefined || subjects !== undefined) {
        await jsm.streams.update(name, { ...diff, ...(subjects !== undefined ? { subjects } : {}) });
        if (diff !== undefined) this.log('info', `updated stream ${name}: ${JSON.stringify(diff)}`);
        if (subjects !== undefined)
          this.log(
            'info',
            `stream ${name} was created by an older version on ${legacy}: it now stores ${subject} instead, so ` +
              `core-mode messages on ${legacy} are no longer kept`,
          );
      }
      // Also when the subjects were already new: a move cut short by a crash is finished here.
      await moveLegacyMessages(jsm, this.client(nc), name, legacy, subject, this.log);
      return name;
    }
    try {
      await jsm.streams.add(cfg);
      this.log('info', `created stream ${name} for ${subject} with ${this.o.replicas} replica(s)`);
      return name;
    } catch (e) {
      const code = jsErrorCode(e);
      // Another replica created it between our info and add.
      if (code === STREAM_NAME_IN_USE) return name;
      if (code === REPLICAS_NOT_SUPPORTED)
        throw new NatsTopologyError(
          `cannot create stream ${name} with ${this.o.replicas} replica(s): ${errorMessage(e)} ` +
            '(--replicas above 1 needs a JetStream cluster of at least that many servers)',
        );
      if (code !== STREAM_SUBJECTS_OVERLAP) throw e;
      // Someone else's stream already captures the subject: use it as it is, as the RabbitMQ transport uses a
      // queue declared by someone else.
      const other = await jsm.streams.find(subject);
      this.log('warn', `${subject} is already stored by stream ${other}; using it as it is`);
      return other;
    }
  }
}
