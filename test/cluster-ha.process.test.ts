// `barque cluster` HA drill, end to end: three masters (store member, apiserver, controller-manager, scheduler each)
// and hollow nodes, run by the detached supervisor. While a writer keeps creating ConfigMaps through the kubeconfig's
// failover endpoint and a Deployment scales, `cluster kill-master` SIGKILLs the store leader's master, then (after
// `restart-master` and catch-up) the master leading the store and controllers by then. Writes and controllers must
// resume, kubectl 1.20 must work with at most one retry, no acknowledged object may be lost, and `cluster down`
// must leave no process. Measured failover times are printed; bounds are generous (shared 2-core machine).
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { allocateLoopbackPortBlock } from '../src/store/testing/loopback-ports.ts';
import { alive, eventually } from './process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BARQUE = join(REPO_ROOT, 'bin', 'barque');
const run = promisify(execFile);

interface ClusterFile {
  supervisorPid: number;
  endpoint: string;
  masters: { index: number; up: boolean; pids: Record<string, number | null> }[];
  nodes: { pid: number | null }[];
}

interface StatusJson {
  store: { leaderMaster: number | null; members: { master: number; reachable: boolean; revision?: string }[] };
  controllerManagerLeader: { holder: string; master: number | null } | null;
  schedulerLeader: { holder: string; master: number | null } | null;
  nodes: { name: string; ready: boolean }[] | null;
}

/** A --base-port whose endpoint and master ports (base … base+33) are free. */
const freeBasePort = (): Promise<number> => allocateLoopbackPortBlock(34);

describe('barque cluster: three masters, kill -9 each leader in turn', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bqc-'));
  const kubectlBin = referenceBinary('kubectl');
  const seenPids = new Set<number>();
  const clusterFile = (): ClusterFile => JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as ClusterFile;
  const recordPids = (): void => {
    try {
      const f = clusterFile();
      seenPids.add(f.supervisorPid);
      for (const m of f.masters) for (const pid of Object.values(m.pids)) if (pid !== null) seenPids.add(pid);
      for (const n of f.nodes) if (n.pid !== null) seenPids.add(n.pid);
    } catch {
      // not written yet
    }
  };

  afterAll(() => {
    recordPids();
    for (const pid of seenPids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const barque = async (...args: string[]): Promise<string> => (await run(process.execPath, [BARQUE, 'cluster', ...args, '--data-dir', dataDir], { cwd: REPO_ROOT, timeout: 200_000, maxBuffer: 16 << 20 })).stdout;
  const status = async (): Promise<StatusJson> => JSON.parse(await barque('status', '-o', 'json')) as StatusJson;

  let kubectlRetries = 0;
  /** kubectl through the kubeconfig (the failover endpoint); one retry allowed, counted. */
  const kubectl = async (...args: string[]): Promise<string> => {
    const once = async (): Promise<string> => (await run(kubectlBin, ['--kubeconfig', join(dataDir, 'kubeconfig'), '--request-timeout=20s', ...args], { timeout: 30_000 })).stdout;
    try {
      return await once();
    } catch {
      kubectlRetries++;
      return once();
    }
  };

  let client: { host: string; port: number; ca: Buffer; cert: Buffer; key: Buffer } | undefined;
  /** A request through the failover endpoint as the admin, on a new connection each time. */
  function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    if (client === undefined) {
      const pki = join(dataDir, 'pki');
      const endpoint = new URL(clusterFile().endpoint);
      client = { host: endpoint.hostname, port: Number(endpoint.port), ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };
    }
    const c = client;
    return new Promise((done, fail) => {
      const req = request(
        { host: c.host, port: c.port, method, path, agent: false, timeout: 5000, ca: c.ca, cert: c.cert, key: c.key, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (b: Buffer) => (text += b.toString()));
          res.on('end', () => {
            try {
              done({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
            } catch (err) {
              fail(err as Error);
            }
          });
        },
      );
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.once('error', fail);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** Creates ConfigMaps one after another; each acknowledged (201) name is kept, with its time. */
  function startWriter(prefix: string): { acked: { name: string; at: number }[]; lastError: () => string; stop: () => Promise<void> } {
    const acked: { name: string; at: number }[] = [];
    let lastError = '';
    let running = true;
    let n = 0;
    const loop = (async () => {
      while (running) {
        const name = `${prefix}-${n++}`;
        const ok = await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(n) } }).then(
          (r) => r.status === 201 || ((lastError = `${r.status} ${String(r.body.message)}`), false),
          (err: Error) => ((lastError = err.message), false),
        );
        if (ok) acked.push({ name, at: Date.now() });
        else await new Promise((r) => setTimeout(r, 100));
      }
    })();
    return { acked, lastError: () => lastError, stop: async () => ((running = false), await loop) };
  }

  const leaseHolder = async (name: string): Promise<string | undefined> => {
    const r = await api('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`);
    return r.status === 200 ? (r.body.spec as { holderIdentity?: string }).holderIdentity : undefined;
  };

  const readyReplicas = async (want: number): Promise<true | undefined> => {
    const r = await api('GET', '/apis/apps/v1/namespaces/default/deployments/web');
    const s = r.body.status as { readyReplicas?: number; replicas?: number } | undefined;
    return s?.readyReplicas === want && s.replicas === want ? true : undefined;
  };

  /** Restarts a killed master and waits, with the writer paused, until every member reports the same revision. */
  async function restartAndCatchUp(victim: number, writer: ReturnType<typeof startWriter>): Promise<void> {
    await barque('restart-master', String(victim));
    recordPids();
    await writer.stop();
    await eventually('the restarted member at the same revision', async () => {
      const s = await status();
      const revs = new Set(s.store.members.map((m) => (m.reachable ? m.revision : 'down')));
      return revs.size === 1 && !revs.has('down') ? true : undefined;
    }, 60_000);
  }

  /** Kills master `victim` with the writer running; returns the measured failover times in ms. */
  async function drill(victim: number, before: StatusJson, writer: ReturnType<typeof startWriter>, replicas: number): Promise<Record<string, string>> {
    const cmHolder = before.controllerManagerLeader?.holder;
    const schedHolder = before.schedulerLeader?.holder;
    const ackedBefore = writer.acked.length;
    // The clock starts when the first of the master's processes is gone, not when the CLI starts (its own start-up
    // takes seconds on a loaded machine and is no part of the failover).
    const victimPids = Object.values(clusterFile().masters[victim].pids).filter((p): p is number => p !== null);
    const killing = barque('kill-master', String(victim));
    const killedAt = await eventually('the killed master\'s first process gone', () => (victimPids.some((pid) => !alive(pid)) ? Date.now() : undefined), 60_000, 20);
    await killing;
    for (const pid of Object.values(clusterFile().masters[victim].pids)) expect(pid).toBeNull();
    const firstWrite = await eventually('a write after the kill', () => writer.acked.slice(ackedBefore).find((a) => a.at > killedAt), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; the writer's last error: ${writer.lastError()}\n--- supervisor.log ---\n${readFileSync(join(dataDir, 'supervisor.log'), 'utf8').slice(-3000)}`);
    });
    const newCm = before.controllerManagerLeader?.master === victim ? eventually('a new controller-manager leader', async () => ((await leaseHolder('kube-controller-manager')) !== cmHolder ? Date.now() : undefined), 60_000) : Promise.resolve(undefined);
    const newSched = before.schedulerLeader?.master === victim ? eventually('a new scheduler leader', async () => ((await leaseHolder('kube-scheduler')) !== schedHolder ? Date.now() : undefined), 60_000) : Promise.resolve(undefined);
    expect(await kubectl('scale', 'deployment', 'web', `--replicas=${replicas}`)).toContain('scaled');
    expect(await kubectl('get', 'nodes', '-o', 'name')).toContain('node/hollow-0');
    const [cmAt, schedAt] = await Promise.all([newCm, newSched]);
    await eventually(`the Deployment at ${replicas} ready replicas`, () => readyReplicas(replicas), 90_000);
    const round = writer.acked.slice(Math.max(0, ackedBefore - 1));
    const gaps = round.slice(1).map((a, i) => a.at - round[i].at);
    const ms = (t: number | undefined): string => (t === undefined ? 'n/a (not led by the killed master)' : `${t - killedAt} ms`);
    return { store: `${firstWrite.at - killedAt} ms to the first acknowledged write after it; longest gap between acknowledged writes this round ${Math.max(0, ...gaps)} ms`, controllers: ms(cmAt), scheduler: ms(schedAt), converged: `${Date.now() - killedAt} ms to ${replicas} ready replicas` };
  }

  it('survives kill -9 of each master in turn (the store leader first), each catching up after restart-master, and downs cleanly', async () => {
    const base = await freeBasePort();
    const up = await barque('up', '--masters', '3', '--nodes', '0', '--hollow-nodes', '3', '--base-port', String(base)).catch((err: Error) => {
      throw new Error(`${err.message}\n--- supervisor.log ---\n${readFileSync(join(dataDir, 'supervisor.log'), 'utf8')}`);
    });
    expect(up).toContain(`export KUBECONFIG=${join(dataDir, 'kubeconfig')}`);
    recordPids();
    const f = clusterFile();
    expect(alive(f.supervisorPid)).toBe(true);
    expect(readFileSync(join(dataDir, 'kubeconfig'), 'utf8')).toContain(`server: https://127.0.0.1:${base}`);

    await kubectl('create', 'deployment', 'web', '--image=busybox', '--replicas=2');
    await eventually('the Deployment at 2 ready replicas', () => readyReplicas(2), 60_000);
    const writer = startWriter('w');
    try {
      const s0 = await status();
      expect(s0.store.members.every((m) => m.reachable)).toBe(true);
      expect(s0.nodes?.filter((n) => n.ready)).toHaveLength(3);
      const first = s0.store.leaderMaster as number;
      expect(first).toBeTypeOf('number');
      const round1 = await drill(first, s0, writer, 3);
      console.log(`[cluster-ha] kill-master ${first} (store leader; controller-manager leader was master ${s0.controllerManagerLeader?.master}, scheduler master ${s0.schedulerLeader?.master}):`, round1);

      await restartAndCatchUp(first, writer);
      const writer2 = startWriter('v');
      const s1 = await status();
      // Now the master leading the store or the controllers (whichever is not the one just restarted).
      const second = [s1.store.leaderMaster, s1.controllerManagerLeader?.master].find((m): m is number => typeof m === 'number' && m !== first) ?? (first + 1) % 3;
      const round2 = await drill(second, s1, writer2, 4);
      console.log(`[cluster-ha] kill-master ${second} (store leader master ${s1.store.leaderMaster}, controller-manager leader master ${s1.controllerManagerLeader?.master}, scheduler master ${s1.schedulerLeader?.master}):`, round2);

      // Each master in turn: the one neither drill has killed yet.
      await restartAndCatchUp(second, writer2);
      const writer3 = startWriter('u');
      const s2 = await status();
      const third = [0, 1, 2].find((m) => m !== first && m !== second) as number;
      const round3 = await drill(third, s2, writer3, 5);
      console.log(`[cluster-ha] kill-master ${third} (store leader master ${s2.store.leaderMaster}, controller-manager leader master ${s2.controllerManagerLeader?.master}, scheduler master ${s2.schedulerLeader?.master}):`, round3);
      await writer3.stop();

      // No acknowledged ConfigMap is missing.
      const list = await api('GET', '/api/v1/namespaces/default/configmaps');
      const present = new Set((list.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name));
      const acked = [...writer.acked, ...writer2.acked, ...writer3.acked];
      const lost = acked.filter((a) => !present.has(a.name)).map((a) => a.name);
      console.log(`[cluster-ha] ${acked.length} acknowledged writes, ${lost.length} lost; kubectl retries: ${kubectlRetries}`);
      expect(lost).toEqual([]);
      expect(writer2.acked.length).toBeGreaterThan(10);
      expect(writer3.acked.length).toBeGreaterThan(10);
    } finally {
      await writer.stop();
    }

    recordPids();
    const st = await barque('status');
    expect(st).toMatch(/store leader: master \d/);
    expect(st).toMatch(/unreachable/);
    expect(await barque('down')).toContain('stopped');
    const leftover = [...seenPids].filter(alive);
    expect(leftover).toEqual([]);
  }, 400_000);
});
