// Shared by the multi-process cluster tests (growth, failover): waiting for a condition with a generous bound,
// etcdctl with retries past the transient answers of an election, etcdctl tables, and per-member gRPC clients.
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos, type EtcdServiceName } from '../src/store/proto/index.ts';
import { runEtcdctl, type EtcdctlResult, type EtcdMember } from '../src/store/testing/etcd-process.ts';
import { eventually, sleep } from './process-helpers.ts';

export { eventually, sleep };

export type EtcdClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export function endpoints(members: readonly EtcdMember[]): string {
  return `--endpoints=${members.map((m) => m.clientUrl).join(',')}`;
}

/** etcdctl that must succeed. */
export async function ctl(members: readonly EtcdMember[], args: string[]): Promise<string> {
  const r = await runEtcdctl([endpoints(members), '--command-timeout=15s', ...args], { timeoutMs: 40_000 });
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Answers that say nothing about the request itself: an election or a membership change settling. */
export const TRANSIENT = ['etcdserver: unhealthy cluster', 'etcdserver: leader changed', 'etcdserver: request timed out', 'etcdserver: no leader'];

/**
 * etcdctl, again while the answer is transient (membership changes wait until every voter's peer stream has been
 * up for 5 s, as etcd's). A request cut off by an election may still have been applied, so a retry can meet its
 * own effect: `appliedAlready` is the error text that then means success.
 */
export async function reconfigure(members: readonly EtcdMember[], args: string[], appliedAlready?: string): Promise<EtcdctlResult> {
  let retried = false;
  return eventually(`etcdctl ${args.join(' ')} past transient errors`, async () => {
    const r = await runEtcdctl([endpoints(members), '--command-timeout=15s', ...args], { timeoutMs: 40_000 });
    if (TRANSIENT.some((t) => r.stderr.includes(t))) {
      retried = true;
      return undefined;
    }
    if (retried && appliedAlready !== undefined && r.stderr.includes(appliedAlready)) return { ...r, code: 0, stdout: '' };
    return r;
  });
}

/** Rows of an etcdctl table: cells trimmed, header and borders dropped. */
export function tableRows(out: string): string[][] {
  const rows = out.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  return rows.slice(1);
}

/** member list -w table: [id, status, name, peer, client, learner] per member, sorted by peer URL. */
export async function memberList(members: readonly EtcdMember[]): Promise<string[][]> {
  return tableRows(await ctl(members, ['member', 'list', '-w', 'table'])).sort((a, b) => a[3].localeCompare(b[3]));
}

export function client(member: EtcdMember, service: EtcdServiceName): EtcdClient {
  const { services } = loadEtcdProtos();
  return new services[service].Client(member.clientUrl.replace(/^http:\/\//, ''), grpc.credentials.createInsecure()) as EtcdClient;
}

export function unary<T>(c: EtcdClient, method: string, req: unknown, deadlineMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    c[method](req, { deadline: Date.now() + deadlineMs }, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp)));
  });
}

/** Every key under `prefix` on this member, read serializably (its own state, no round to the leader). */
export async function serializableKeys(member: EtcdMember, prefix: string): Promise<Map<string, string>> {
  const c = client(member, 'KV');
  try {
    const end = Buffer.from(prefix);
    end[end.length - 1]++;
    const r = await unary<{ kvs: Array<{ key: Buffer; value: Buffer }> }>(c, 'Range', { key: Buffer.from(prefix), range_end: end, serializable: true });
    return new Map(r.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
  } finally {
    c.close();
  }
}
