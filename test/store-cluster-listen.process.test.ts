// Every URL of --listen-peer-urls and --listen-client-urls is served, as etcd serves them: three `bin/barque etcd`
// members each listen on two peer URLs and two client URLs, and advertise the SECOND peer URL, so the cluster
// forms only if the second peer listener carries Raft; the first answers the peer member list; both client URLs
// take writes and reads. Multi-process, slow; loopback only; no timing assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchPeerMembers } from '../src/store/replication/peer-members.ts';
import { allocateLoopbackPorts, EtcdMember, runEtcdctl } from '../src/store/testing/etcd-process.ts';
import { eventually } from './store-cluster-helpers.ts';

const TEST_TIMEOUT_MS = 300_000;

describe('store: every listen URL is served (process)', () => {
  const members: EtcdMember[] = [];
  const root = mkdtempSync(join(tmpdir(), 'barque-listen-'));
  afterAll(async () => {
    await Promise.all(members.map((m) => m.kill9()));
    rmSync(root, { recursive: true, force: true });
  });

  it('forms a cluster over the second peer URL and serves clients on both client URLs', async () => {
    const ports = await allocateLoopbackPorts(12);
    const url = (p: number): string => `http://127.0.0.1:${p}`;
    const specs = [0, 1, 2].map((i) => ({
      name: `m${i}`,
      clientPort: ports[4 * i],
      peerPort: ports[4 * i + 1],
      extraClient: url(ports[4 * i + 2]),
      extraPeer: url(ports[4 * i + 3]),
    }));
    const initialCluster = specs.map((s) => `${s.name}=${url(s.peerPort)}`).join(',');
    for (const s of specs) {
      members.push(
        new EtcdMember({
          impl: 'barque',
          spec: { name: s.name, clientPort: s.clientPort, peerPort: s.peerPort },
          dataDir: join(root, s.name),
          initialCluster,
          initialClusterToken: 'listen-test',
          // Later flags win, as with etcd: the advertised peer URL is the second one listened on.
          extraArgs: [`--listen-peer-urls=${s.extraPeer},${url(s.peerPort)}`, `--listen-client-urls=${url(s.clientPort)},${s.extraClient}`],
        }),
      );
    }
    for (const m of members) m.launch();
    await Promise.all(members.map((m) => m.waitHealthy(120_000)));

    for (const s of specs) {
      const list = await fetchPeerMembers(s.extraPeer, 10_000);
      expect(list.members.map((m) => m.name).sort()).toEqual(['m0', 'm1', 'm2']);
    }
    const extraClients = `--endpoints=${specs.map((s) => s.extraClient).join(',')}`;
    const put = await runEtcdctl([extraClients, '--command-timeout=15s', 'put', 'listen/k', 'v'], { timeoutMs: 40_000 });
    expect(put.code, put.stderr).toBe(0);
    for (const s of specs) {
      for (const endpoint of [s.extraClient, url(s.clientPort)]) {
        const value = await eventually(`the key on ${endpoint}`, async () => {
          const r = await runEtcdctl([`--endpoints=${endpoint}`, '--command-timeout=10s', 'get', 'listen/k', '--print-value-only'], { timeoutMs: 30_000 });
          return r.code === 0 ? r.stdout.trim() : undefined;
        });
        expect(value).toBe('v');
      }
    }
  }, TEST_TIMEOUT_MS);
});
