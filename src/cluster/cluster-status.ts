// `barque cluster status`: what the store says (each member's Status RPC: its id, the leader's, the revision),
// who holds the controller-manager and scheduler Leases, the Nodes' readiness, and the supervisor's view of every
// process. Each part is asked on its own, so a dead master shows up as unreachable instead of failing the lot.
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { pemFilesIn, readPemFiles } from '../common/pki/index.ts';
import { EtcdRpc } from '../verify/jepsen/etcd-rpc.ts';
import { endpointPort, HOST, type ClusterConfig, type ClusterLayout } from './cluster-layout.ts';
import { memberName, schedulerIdentity, storeClientUrl } from './cluster-plan.ts';
import type { DaemonStatus } from './cluster-daemon.ts';
import { storeChannelCredentials, storeTls } from './store-tls.ts';

export interface StoreMemberStatus {
  master: number;
  name: string;
  url: string;
  reachable: boolean;
  memberId?: string;
  leaderId?: string;
  revision?: string;
  raftIndex?: string;
}

export interface ClusterStatus {
  store: { members: StoreMemberStatus[]; leaderMaster: number | null };
  controllerManagerLeader: { holder: string; master: number | null } | null;
  schedulerLeader: { holder: string; master: number | null } | null;
  nodes: { name: string; ready: boolean }[] | null;
  supervisor: DaemonStatus | null;
}

interface StatusResponse {
  header: { member_id: bigint; revision: bigint } | null;
  leader: bigint;
  raftIndex?: bigint;
  raft_index?: bigint;
}

export async function storeStatus(layout: ClusterLayout, config: ClusterConfig): Promise<ClusterStatus['store']> {
  const credentials = storeChannelCredentials(storeTls(layout.pkiDir, Array.from({ length: config.masters }, (_, i) => memberName(i))));
  const members = await Promise.all(
    Array.from({ length: config.masters }, async (_, i): Promise<StoreMemberStatus> => {
      const url = storeClientUrl(config, i);
      const rpc = new EtcdRpc(url, credentials);
      try {
        const s = await rpc.unary<StatusResponse>('Maintenance', 'Status', {}, 2000);
        return { master: i, name: memberName(i), url, reachable: true, memberId: String(s.header?.member_id ?? ''), leaderId: String(s.leader), revision: String(s.header?.revision ?? ''), raftIndex: String(s.raftIndex ?? s.raft_index ?? '') };
      } catch {
        return { master: i, name: memberName(i), url, reachable: false };
      } finally {
        rpc.close();
      }
    }),
  );
  const leaderId = members.find((m) => m.reachable && m.leaderId !== '0')?.leaderId;
  const leader = members.find((m) => m.memberId === leaderId);
  return { members, leaderMaster: leader?.master ?? null };
}

/** GET through the failover endpoint as the admin. */
export function apiGet(layout: ClusterLayout, config: ClusterConfig, path: string): Promise<{ status: number; body: unknown }> {
  const admin = readPemFiles(pemFilesIn(layout.pkiDir, 'admin'));
  const ca = readFileSync(pemFilesIn(layout.pkiDir, 'ca').certFile, 'utf8');
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port: endpointPort(config), path, ca, cert: admin.certPem, key: admin.keyPem, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.once('error', reject);
    req.end();
  });
}

/** The master whose controller-manager printed `controller-manager <identity> started` into its log. */
function controllerManagerMaster(layout: ClusterLayout, config: ClusterConfig, identity: string): number | null {
  for (let i = 0; i < config.masters; i++) {
    const logs = join(layout.masterDir(i), 'logs');
    try {
      if (!readdirSync(logs).includes('controller-manager.log')) continue;
      if (readFileSync(join(logs, 'controller-manager.log'), 'utf8').includes(`controller-manager ${identity} started`)) return i;
    } catch {
      // no log yet
    }
  }
  return null;
}

async function leaseHolder(layout: ClusterLayout, config: ClusterConfig, name: string): Promise<string | null> {
  const res = await apiGet(layout, config, `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`);
  if (res.status !== 200) return null;
  return (res.body as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? null;
}

export async function controlPlaneLeaders(layout: ClusterLayout, config: ClusterConfig): Promise<Pick<ClusterStatus, 'controllerManagerLeader' | 'schedulerLeader'>> {
  const cm = await leaseHolder(layout, config, 'kube-controller-manager').catch(() => null);
  const sched = await leaseHolder(layout, config, 'kube-scheduler').catch(() => null);
  const schedMaster = sched === null ? -1 : Array.from({ length: config.masters }, (_, i) => i).findIndex((i) => schedulerIdentity(i) === sched);
  return {
    controllerManagerLeader: cm === null ? null : { holder: cm, master: controllerManagerMaster(layout, config, cm) },
    schedulerLeader: sched === null ? null : { holder: sched, master: schedMaster < 0 ? null : schedMaster },
  };
}

export async function nodeReadiness(layout: ClusterLayout, config: ClusterConfig): Promise<ClusterStatus['nodes']> {
  const res = await apiGet(layout, config, '/api/v1/nodes').catch(() => undefined);
  if (res?.status !== 200) return null;
  const items = (res.body as { items?: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }).items ?? [];
  return items.map((n) => ({ name: n.metadata.name, ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false }));
}

export function formatStatus(s: ClusterStatus): string {
  const lines: string[] = [];
  const leader = (m: number | null): string => (m === null ? '?' : `master ${m}`);
  lines.push(`store leader: ${leader(s.store.leaderMaster)}`);
  for (const m of s.store.members) lines.push(`  ${m.name} ${m.url} ${m.reachable ? `member ${m.memberId ?? ''} revision ${m.revision ?? ''} raft index ${m.raftIndex ?? ''}${m.master === s.store.leaderMaster ? ' (leader)' : ''}` : 'unreachable'}`);
  lines.push(`controller-manager leader: ${s.controllerManagerLeader === null ? 'none' : `${leader(s.controllerManagerLeader.master)} (${s.controllerManagerLeader.holder})`}`);
  lines.push(`scheduler leader: ${s.schedulerLeader === null ? 'none' : `${leader(s.schedulerLeader.master)} (${s.schedulerLeader.holder})`}`);
  lines.push(`nodes: ${s.nodes === null ? 'unknown (no apiserver answered)' : s.nodes.length === 0 ? 'none' : s.nodes.map((n) => `${n.name} ${n.ready ? 'Ready' : 'NotReady'}`).join(', ')}`);
  if (s.supervisor === null) {
    lines.push('supervisor: not running');
  } else {
    lines.push(`supervisor: ${s.supervisor.phase}`);
    const row = (where: string, c: { name: string; state: string; pid: number | null; restarts: number }): string => `  ${where.padEnd(8)} ${c.name.padEnd(19)} ${c.state.padEnd(9)} pid ${String(c.pid ?? '-').padEnd(8)} restarts ${c.restarts}`;
    for (const m of s.supervisor.masters) for (const c of m.components) lines.push(row(`m${m.index}`, c));
    for (const n of s.supervisor.nodes) for (const c of n.components) lines.push(row(n.name, c));
  }
  return `${lines.join('\n')}\n`;
}
