/**
 * A RabbitMQ cluster of the test's own: `n` rabbitmq-server nodes on free loopback ports, each with its own
 * store, logs and config in a temp dir, joined at start by peer discovery (`classic_config`), no plugins (the
 * shared broker's management port stays untouched). The shared broker on :5672 is never touched. Nodes are
 * stopped with `rabbitmqctl -n <node> stop`, and killed by pid if that fails; `dispose` ends every node it started.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/rabbitmq/bin';
export const RABBITMQ_SERVER_BIN = `${BIN}/rabbitmq-server`;

/** A free loopback port (released just before use: another process could take it, which fails the start). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  await new Promise((r) => s.close(r));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RabbitNode {
  readonly name: string;
  readonly port: number;
  readonly distPort: number;
  process: ChildProcess | undefined;
}

export class OwnRabbitCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: readonly RabbitNode[],
  ) {}

  static async create(n: number): Promise<OwnRabbitCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'rabbit-cluster-'));
    const tag = Math.random().toString(36).slice(2, 7);
    const nodes: RabbitNode[] = [];
    for (let i = 1; i <= n; i++)
      nodes.push({
        name: `rc${tag}${i}@localhost`,
        port: await freePort(),
        distPort: await freePort(),
        process: undefined,
      });
    // The CLI tools and the nodes share this cookie through HOME.
    await writeFile(join(dir, '.erlang.cookie'), `COOKIE${tag}${Date.now()}`);
    await chmod(join(dir, '.erlang.cookie'), 0o400);
    await writeFile(join(dir, 'enabled_plugins'), '[].\n');
    const peers = nodes.map((p, k) => `cluster_formation.classic_config.nodes.${k + 1} = ${p.name}`);
    for (const node of nodes)
      await writeFile(
        join(dir, `${node.name}.conf`),
        [
          `listeners.tcp.default = 127.0.0.1:${node.port}`,
          'loopback_users = none',
          'cluster_formation.peer_discovery_backend = classic_config',
          ...peers,
          '',
        ].join('\n'),
      );
    return new OwnRabbitCluster(dir, nodes);
  }

  /** The nodes' URLs, comma-separated, as `--url` takes them. */
  get url(): string {
    return this.nodes.map((n) => `amqp://guest:guest@127.0.0.1:${n.port}`).join(',');
  }

  private env(node: RabbitNode): NodeJS.ProcessEnv {
    const d = this.dir;
    return {
      ...process.env,
      HOME: d,
      RABBITMQ_NODENAME: node.name,
      RABBITMQ_NODE_PORT: String(node.port),
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_DIST_PORT: String(node.distPort),
      RABBITMQ_MNESIA_BASE: join(d, 'mnesia'),
      RABBITMQ_LOG_BASE: join(d, 'log'),
      RABBITMQ_CONFIG_FILE: join(d, node.name),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(d, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(d, `${node.name}.pid`),
    };
  }

  private ctl(node: RabbitNode, args: string[], timeoutMs: number): Promise<unknown> {
    return run(`${BIN}/rabbitmqctl`, ['-n', node.name, ...args], { env: this.env(node), timeout: timeoutMs });
  }

  /** Starts the node's process and waits until it runs the broker (at most `timeoutMs`). */
  async startNode(node: RabbitNode, timeoutMs = 120_000): Promise<void> {
    node.process = spawn(RABBITMQ_SERVER_BIN, [], { env: this.env(node), stdio: 'ignore' });
    const p = node.process;
    p.on('exit', () => (node.process = undefined));
    // await_startup needs the node registered with epmd, which takes a few seconds: ask until it answers.
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      try {
        await this.ctl(node, ['await_startup', '--timeout', '30'], 35_000);
        return;
      } catch (e) {
        if (p.exitCode !== null || p.signalCode !== null)
          throw new Error(`${node.name} exited while starting`);
        if (performance.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Starts every node at once (they find each other) and waits until all run; resolves to the seconds it took. */
  async start(): Promise<number> {
    const t0 = performance.now();
    await Promise.all(this.nodes.map((n) => this.startNode(n)));
    return (performance.now() - t0) / 1000;
  }

  /** Stops the node cleanly, or kills it when that fails. */
  async stopNode(node: RabbitNode): Promise<void> {
    const p = node.process;
    await this.ctl(node, ['stop'], 60_000).catch(() => p?.kill('SIGKILL'));
    if (p && p.exitCode === null && p.signalCode === null)
      await new Promise((r) => {
        p.once('exit', r);
        setTimeout(() => p.kill('SIGKILL'), 30_000).unref();
      });
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.nodes.filter((n) => n.process !== undefined).map((n) => this.stopNode(n)));
    await rm(this.dir, { recursive: true, force: true });
  }
}
