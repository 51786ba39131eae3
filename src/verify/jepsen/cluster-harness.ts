// A three-member cluster for one run: real processes on loopback (src/store/testing/etcd-process.ts), each barque
// member's peer traffic through its own CONNECT proxy (connect-proxy.ts), and the operations the nemesis needs:
// find the leader, kill -9 / restart, SIGSTOP / SIGCONT, cut links, remove a member and add it back with a fresh
// data dir, heal everything, and after the run wait for convergence and compare HashKV on every member.
import { rmSync } from 'node:fs';
import { EtcdCluster, EtcdMember, type EtcdImpl } from '../../store/testing/etcd-process.ts';
import { ConnectProxy, LinkTable } from './connect-proxy.ts';
import { EtcdRpc, rpcFailure } from './etcd-rpc.ts';
import { sleep } from './workload.ts';

const ADMIN_DEADLINE_MS = 2_000;

export interface HarnessOptions {
  impl: EtcdImpl;
  members: number;
  unsafeLocalReads: boolean;
  log: (line: string) => void;
  startTimeoutMs: number;
}

interface StatusResponse {
  header: { member_id: bigint; revision: bigint } | null;
  leader: bigint;
}
interface MemberInfo {
  ID: bigint;
  name: string;
  peerURLs: string[];
}

export interface Convergence {
  revision: number;
  /** HashKV at `revision` per member name. */
  hashes: Record<string, string>;
  agree: boolean;
}

export class ClusterHarness {
  private readonly admin = new Map<number, EtcdRpc>();
  private readonly paused = new Set<number>();
  private generation = 0;
  /** Log tails of members replaced by the member nemesis, by name and generation. */
  private readonly retiredLogs: Record<string, string> = {};

  private constructor(
    readonly cluster: EtcdCluster,
    private readonly proxies: ConnectProxy[],
    readonly links: LinkTable,
    private readonly o: HarnessOptions,
  ) {}

  static async start(o: HarnessOptions): Promise<ClusterHarness> {
    const links = new LinkTable();
    const proxies: ConnectProxy[] = [];
    const extraArgs = o.unsafeLocalReads ? ['--experimental-unsafe-local-reads'] : [];
    let cluster: EtcdCluster;
    try {
      cluster = await EtcdCluster.start({
        impl: o.impl,
        members: o.members,
        extraArgs,
        namePrefix: 'j',
        initialClusterToken: 'jepsen',
        startTimeoutMs: o.startTimeoutMs,
        beforeLaunch: async (members) => {
          // A start retried on fresh ports (EtcdCluster.start) calls this again: the last try's proxies go first.
          await Promise.all(proxies.splice(0).map((p) => p.close()));
          const slotOfPort = new Map<number, number>();
          members.forEach((m, i) => {
            slotOfPort.set(m.config.spec.peerPort, i);
            slotOfPort.set(m.config.spec.clientPort, i);
          });
          for (let i = 0; i < members.length; i++) {
            const proxy = new ConnectProxy(i, (port) => slotOfPort.get(port), links);
            proxies.push(proxy);
            const port = await proxy.listen();
            // Only grpc-js reads grpc_proxy; no_grpc_proxy/no_proxy would exempt targets, so they are cleared.
            members[i].config.env = { grpc_proxy: `http://127.0.0.1:${port}`, no_grpc_proxy: '', no_proxy: '', NO_PROXY: '' };
          }
        },
      });
    } catch (err) {
      await Promise.all(proxies.map((p) => p.close()));
      throw err;
    }
    return new ClusterHarness(cluster, proxies, links, o);
  }

  get size(): number {
    return this.cluster.members.length;
  }

  member(slot: number): EtcdMember {
    return this.cluster.members[slot];
  }

  clientUrl(slot: number): string {
    return this.member(slot).clientUrl;
  }

  /** Partitions need the proxies, which only grpc-js (barque) honours. */
  get supportsPartitions(): boolean {
    return this.o.impl === 'barque';
  }

  proxyStats(): ConnectProxy['stats'][] {
    return this.proxies.map((p) => p.stats);
  }

  /** The slot most of `askSlots` (default: all) name as leader, if any answers. */
  async leaderSlot(askSlots?: readonly number[]): Promise<number | undefined> {
    const statuses = await Promise.all(
      Array.from({ length: this.size }, (_, i) => this.rpc(i).unary<StatusResponse>('Maintenance', 'Status', {}, ADMIN_DEADLINE_MS).catch(() => undefined)),
    );
    const slotOfId = new Map<bigint, number>();
    statuses.forEach((s, i) => {
      if (s?.header) slotOfId.set(s.header.member_id, i);
    });
    const votes = new Map<number, number>();
    for (const [i, s] of statuses.entries()) {
      if (askSlots !== undefined && !askSlots.includes(i)) continue;
      const slot = s === undefined ? undefined : slotOfId.get(s.leader);
      if (slot !== undefined) votes.set(slot, (votes.get(slot) ?? 0) + 1);
    }
    let best: number | undefined;
    for (const [slot, n] of votes) if (best === undefined || n > (votes.get(best) ?? 0)) best = slot;
    return best;
  }

  async kill(slot: number): Promise<void> {
    this.paused.delete(slot);
    await this.member(slot).kill9();
  }

  /** Starts a stopped member again on its data dir; false if it did not become healthy in time. */
  async restart(slot: number): Promise<boolean> {
    const m = this.member(slot);
    if (!m.running) m.launch();
    try {
      await m.waitHealthy(this.o.startTimeoutMs);
      return true;
    } catch (err) {
      this.o.log(`restart of ${m.name} failed: ${(err as Error).message.split('\n')[0]}`);
      return false;
    }
  }

  pause(slot: number): void {
    this.signal(slot, 'SIGSTOP');
    this.paused.add(slot);
  }

  resume(slot: number): void {
    this.signal(slot, 'SIGCONT');
    this.paused.delete(slot);
  }

  /**
   * etcdctl member remove + member add + a fresh start with --initial-cluster-state existing, on the same ports
   * (so clients and proxies need not learn new addresses). Retries each step until `timeoutMs` passes.
   */
  async replaceMember(slot: number, timeoutMs: number): Promise<boolean> {
    const old = this.member(slot);
    const deadline = Date.now() + timeoutMs;
    const others = Array.from({ length: this.size }, (_, i) => i).filter((i) => i !== slot);
    const find = async (): Promise<MemberInfo | undefined | null> => {
      for (const i of others) {
        const r = await this.rpc(i).unary<{ members: MemberInfo[] }>('Cluster', 'MemberList', {}, ADMIN_DEADLINE_MS).catch(() => undefined);
        if (r !== undefined) return r.members.find((m) => m.peerURLs.includes(old.peerUrl)) ?? null;
      }
      return undefined;
    };
    const attempt = async (what: string, step: () => Promise<boolean>): Promise<boolean> => {
      while (Date.now() < deadline) {
        try {
          if (await step()) return true;
        } catch (err) {
          this.o.log(`${what} ${old.name}: ${rpcFailure(err).details}`);
        }
        await sleep(500);
      }
      return false;
    };
    const removed = await attempt('member remove', async () => {
      const m = await find();
      if (m === null) return true;
      if (m === undefined) return false;
      await this.rpc(others[0]).unary('Cluster', 'MemberRemove', { ID: m.ID }, 5_000);
      return false; // confirmed by the next list
    });
    if (!removed) return false;
    await old.kill9();
    this.retiredLogs[`${old.name}.g${this.generation}`] = old.log();
    rmSync(old.dataDir, { recursive: true, force: true });
    const added = await attempt('member add', async () => {
      if ((await find()) != null) return true;
      await this.rpc(others[0]).unary('Cluster', 'MemberAdd', { peerURLs: [old.peerUrl] }, 5_000);
      return false;
    });
    if (!added) return false;
    const initialCluster = this.cluster.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    const fresh = new EtcdMember({
      ...old.config,
      dataDir: `${old.dataDir.replace(/\.g\d+$/, '')}.g${++this.generation}`,
      initialCluster,
      initialClusterState: 'existing',
    });
    this.cluster.members[slot] = fresh;
    return this.restart(slot);
  }

  /** Heals links, resumes paused members and starts stopped ones. */
  async healAll(): Promise<void> {
    this.links.healAll();
    for (const slot of [...this.paused]) this.resume(slot);
    await Promise.all(Array.from({ length: this.size }, (_, i) => (this.member(i).running ? Promise.resolve(true) : this.restart(i))));
  }

  /**
   * After healing: writes a marker through a member that answers, waits until every member has applied it,
   * then compares HashKV at that revision everywhere.
   */
  async converge(timeoutMs: number): Promise<Convergence> {
    const deadline = Date.now() + timeoutMs;
    let revision = 0;
    while (revision === 0) {
      if (Date.now() > deadline) throw new Error('no member accepted the convergence marker write');
      for (let i = 0; i < this.size && revision === 0; i++) {
        const r = await this.rpc(i)
          .unary<{ header: { revision: bigint } }>('KV', 'Put', { key: Buffer.from('jepsen-converged'), value: Buffer.from('1') }, 5_000)
          .catch(() => undefined);
        if (r !== undefined) revision = Number(r.header.revision);
      }
      if (revision === 0) await sleep(500);
    }
    const hashes: Record<string, string> = {};
    for (let i = 0; i < this.size; i++) {
      const m = this.member(i);
      let seen = 'no answer';
      while (true) {
        const s = await this.rpc(i)
          .unary<StatusResponse>('Maintenance', 'Status', {}, ADMIN_DEADLINE_MS)
          .catch((err: unknown) => void (seen = rpcFailure(err).details));
        if (s?.header) seen = `revision ${s.header.revision}`;
        if (s?.header && Number(s.header.revision) >= revision) break;
        if (Date.now() > deadline) throw new Error(`${m.name} did not reach revision ${revision} within ${timeoutMs} ms (last status: ${seen})`);
        await sleep(250);
      }
      const h = await this.rpc(i).unary<{ hash: number }>('Maintenance', 'HashKV', { revision }, 10_000);
      hashes[m.name] = String(h.hash);
    }
    return { revision, hashes, agree: new Set(Object.values(hashes)).size === 1 };
  }

  /** The runner's own client on a member (admin calls, the final write-history dump). */
  rpc(slot: number): EtcdRpc {
    const url = this.clientUrl(slot);
    let c = this.admin.get(slot);
    if (c === undefined || c.url !== url) {
      c?.close();
      c = new EtcdRpc(url);
      this.admin.set(slot, c);
    }
    return c;
  }

  /** Each member's log tail (stdout + stderr), for the results folder. */
  logs(): Record<string, string> {
    return { ...this.retiredLogs, ...Object.fromEntries(this.cluster.members.map((m) => [m.name, m.log()])) };
  }

  /** Kills every member, closes proxies and clients, removes the data. Safe to call twice. */
  async cleanup(): Promise<void> {
    for (const slot of [...this.paused]) this.resume(slot);
    for (const c of this.admin.values()) c.close();
    this.admin.clear();
    await this.cluster.cleanup();
    await Promise.all(this.proxies.map((p) => p.close()));
  }

  private signal(slot: number, signal: NodeJS.Signals): void {
    const pid = this.member(slot).pid;
    if (pid === undefined || !this.member(slot).running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // gone already
    }
  }
}
