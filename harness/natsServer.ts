/**
 * NATS helpers for tests: an own nats-server (free port, temp store dir) for tests that stop or restart the
 * server, ended by pid; unique name prefixes; removal of the streams a test created.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { streamName } from '../src/transports/nats/names.js';
import { splitUrlList } from '../src/core/urlList.js';
import { isListening } from './brokers.js';
import { sleep } from './poll.js';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A prefix unique to this test run, for stream and consumer names and topics. */
export const uniqueName = (base: string): string =>
  `${base}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

export interface NatsServerOptions {
  /** Extra command-line arguments, e.g. `['--user', 'u', '--pass', 'p']`. */
  readonly args?: readonly string[];
}

/** One nats-server with JetStream on a free port and its own store dir, which survives restarts. */
export class OwnNatsServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly args: readonly string[],
  ) {}

  static async create(options: NatsServerOptions = {}): Promise<OwnNatsServer> {
    const port = await freePort();
    const storeDir = await mkdtemp(path.join(tmpdir(), 'nats-test-'));
    return new OwnNatsServer(port, storeDir, options.args ?? []);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error('nats-server already running');
    const child = spawn(
      NATS_SERVER_BIN,
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, ...this.args],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${stderr}`))),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (!(await Promise.race([isListening('127.0.0.1', this.port, 200), exited]))) {
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`nats-server did not listen on ${this.port}: ${stderr}`);
      }
      await sleep(50);
    }
  }

  /** Ends the server by pid (SIGKILL when `hard`: no chance to flush, like a crash) and waits for it to exit. */
  async stop(hard = false): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid as number, hard ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and removes its store. */
  async dispose(): Promise<void> {
    await this.stop(true);
    await rm(this.storeDir, { recursive: true, force: true });
  }
}

/**
 * Runs `use` on a connection of its own to `url` (which may list a cluster's servers, comma-separated), closed
 * whatever `use` does: for a test's look behind the transport's back.
 */
export async function withNats<T>(url: string, use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: splitUrlList(url) });
  try {
    return await use(nc);
  } finally {
    await nc.close();
  }
}

/** Deletes every stream whose name starts with `prefix` (and with it its consumers). */
export function deleteStreams(url: string, prefix: string): Promise<string[]> {
  return withNats(url, async (nc) => {
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const s of jsm.streams.list()) if (s.config.name.startsWith(prefix)) names.push(s.config.name);
    for (const n of names) await jsm.streams.delete(n);
    return names;
  });
}

/** Pending and unacknowledged counts of a durable consumer, as the acceptance check reads them. */
export async function consumerBacklog(
  url: string,
  stream: string,
  durable: string,
): Promise<{ pending: number; ackPending: number; redelivered: number }> {
  return withNats(url, async (nc) => {
    const jsm = await nc.jetstreamManager();
    const ci = await jsm.consumers.info(stream, durable);
    return { pending: ci.num_pending, ackPending: ci.num_ack_pending, redelivered: ci.num_redelivered };
  });
}

/**
 * Deletes the message and dead-letter streams of `topics` (as named with `prefix`), where they exist. `url` may
 * list the servers of a cluster, comma-separated.
 */
export async function deleteTopicStreams(
  url: string,
  prefix: string,
  topics: readonly string[],
): Promise<void> {
  const wanted = new Set(
    topics.flatMap((t) => [streamName(prefix, t, 'queue'), streamName(prefix, t, 'deadLetter')]),
  );
  await withNats(url, async (nc) => {
    const jsm = await nc.jetstreamManager();
    for await (const s of jsm.streams.list())
      if (wanted.has(s.config.name)) await jsm.streams.delete(s.config.name);
  });
}
