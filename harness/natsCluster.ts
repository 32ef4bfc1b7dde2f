/**
 * A NATS cluster of the test's own: three (or five) nats-servers with JetStream on free loopback ports, joined by
 * routes, each with its own store dir that survives a restart (same ports, same store). Every node is an
 * OwnNatsServer, so it is started, killed and restarted by pid like the single server of other tests.
 */
import { connect, StorageType, type NatsConnection } from 'nats';
import { freePort, OwnNatsServer, uniqueName } from './natsServer.js';
import { retrying } from './poll.js';

export interface ClusterNode {
  /** `--server_name`, as JetStream names a stream's leader and replicas. */
  readonly name: string;
  readonly server: OwnNatsServer;
}

export class OwnNatsCluster {
  private constructor(readonly nodes: readonly ClusterNode[]) {}

  /** `size` nodes, not started; each knows the route ports of all the others. */
  static async create(size = 3): Promise<OwnNatsCluster> {
    const clusterName = uniqueName('rxc');
    const routePorts: number[] = [];
    for (let i = 0; i < size; i++) routePorts.push(await freePort());
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < size; i++) {
      const name = `n${i + 1}`;
      const routes = routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`);
      const server = await OwnNatsServer.create({
        args: [
          ...['--server_name', name, '--cluster_name', clusterName],
          ...['--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes.join(',')],
        ],
      });
      nodes.push({ name, server });
    }
    return new OwnNatsCluster(nodes);
  }

  /** Every node's client URL, comma-separated: what `--url` takes. */
  get url(): string {
    return this.nodes.map((n) => n.server.url).join(',');
  }

  node(name: string): ClusterNode {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name} in ${this.nodes.map((x) => x.name).join(', ')}`);
    return n;
  }

  /** Starts every node and waits (at most `timeoutMs`) until JetStream answers: its meta leader is elected. */
  async start(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.start()));
    await this.jetStreamReady(timeoutMs);
  }

  /**
   * Waits until a stream with a replica on every node can be placed: the meta leader is elected and every node
   * has joined (JetStream answers before the last one has, and would refuse an R3 stream meanwhile).
   */
  async jetStreamReady(timeoutMs = 30_000): Promise<void> {
    const probe = uniqueName('READY');
    await retrying(
      () =>
        this.withConnection(async (nc) => {
          const jsm = await nc.jetstreamManager({ timeout: 2_000 });
          await jsm.streams.add({
            name: probe,
            subjects: [probe],
            num_replicas: this.nodes.length,
            storage: StorageType.Memory,
          });
          await jsm.streams.delete(probe);
        }),
      'JetStream of the cluster not ready',
      { timeoutMs, intervalMs: 250 },
    );
  }

  /** Runs `use` with a connection to any live node. */
  async withConnection<T>(use: (nc: NatsConnection) => Promise<T>): Promise<T> {
    const nc = await connect({ servers: this.nodes.map((n) => n.server.url), timeout: 2_000 });
    try {
      return await use(nc);
    } finally {
      await nc.close();
    }
  }

  /**
   * The node that leads `stream` (JetStream stream info `cluster.leader`). Asked again for up to `timeoutMs`: just
   * after a node's restart the cluster answers for a while with no leader, a timeout, or even "stream not found"
   * (nats-server 2.9, from a node still catching up), none of which is the answer.
   */
  leaderOf(stream: string, timeoutMs = 30_000): Promise<string> {
    return retrying(
      () =>
        this.withConnection(async (nc) => {
          const info = await (await nc.jetstreamManager({ timeout: 2_000 })).streams.info(stream);
          const leader = info.cluster?.leader;
          if (leader === undefined) throw new Error(`stream ${stream} has no leader right now`);
          return leader;
        }),
      `the leader of stream ${stream}`,
      { timeoutMs, intervalMs: 250 },
    );
  }

  /** Kills every node and removes their stores. */
  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.dispose()));
  }
}
