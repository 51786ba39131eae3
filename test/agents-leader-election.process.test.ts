// Leader election on a real coordination.k8s.io/v1 Lease: two candidate processes (test/agents-elector-child.ts)
// against `bin/barque apiserver` on etcd 3.4. Exactly one leads; a graceful stop hands over at once (the lease is
// released); a SIGKILLed leader is replaced only after its lease expires. Short durations: 3 s lease, 2 s renew
// deadline, 0.4 s retry.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, LEASES, recordOf } from '../src/agents/client/index.ts';
import type { KubeObject } from '../src/apiserver/index.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { setupOnce } from './apiserver-harness.ts';
import { eventually, startApiserverProcess, type ApiserverProcess } from './apiserver-grpc-process.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LEASE = 'kube-system/test-controller';

interface Event {
  ev: string;
  identity: string;
  leader?: string;
  at: number;
}

interface Candidate {
  identity: string;
  child: ChildProcess;
  exited: Promise<void>;
}

let env: { etcd: EtcdCluster; a: ApiserverProcess; client: ApiClient } | undefined;
const setup = setupOnce(async () => {
  const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
  try {
    const a = await startApiserverProcess(etcd.clientUrls());
    env = { etcd, a, client: new ApiClient({ endpoints: [a.grpcAddress] }) };
    return env;
  } catch (err) {
    await etcd.cleanup();
    throw err;
  }
});

const events: Event[] = [];
const candidates: Candidate[] = [];

afterAll(async () => {
  for (const c of candidates) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await Promise.all(candidates.map((c) => c.exited));
  env?.client.close();
  await env?.a.stop();
  await env?.etcd.cleanup();
});

function startCandidate(grpcAddress: string, identity: string): Candidate {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'agents-elector-child.ts'), grpcAddress, identity, LEASE], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BARQUE_LOG_LEVEL: 'warn' },
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') events.push({ ...(JSON.parse(line) as Omit<Event, 'at'>), at: Date.now() });
  });
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  const c = { identity, child, exited };
  candidates.push(c);
  return c;
}

/** Who leads according to the callbacks seen so far, checking that two never lead at once. */
function leaders(): string[] {
  const leading = new Set<string>();
  for (const e of events) {
    if (e.ev === 'started') {
      expect([...leading], `${e.identity} started while another led`).toEqual([]);
      leading.add(e.identity);
    }
    if (e.ev === 'stopped' || e.ev === 'killed') leading.delete(e.identity);
  }
  return [...leading];
}

async function lease(client: ApiClient): Promise<KubeObject> {
  const [ns, name] = LEASE.split('/');
  return client.resource<KubeObject>(LEASES).get(ns, name);
}

describe('leader election on a Lease through the apiserver', () => {
  it('one leads; a graceful stop hands over at once; a killed leader is replaced after its lease expires', async () => {
    const { a, client } = setup();
    const first = startCandidate(a.grpcAddress, 'alpha');
    await eventually('alpha to lead', () => leaders().includes('alpha'), 60_000);
    const second = startCandidate(a.grpcAddress, 'beta');
    await eventually('beta to see alpha as leader', () => events.some((e) => e.identity === 'beta' && e.ev === 'leader' && e.leader === 'alpha'), 60_000);
    const held = recordOf(await lease(client));
    expect(held).toMatchObject({ holderIdentity: 'alpha', leaseDurationSeconds: 3, leaseTransitions: 0 });
    expect((await lease(client)).spec).toMatchObject({ acquireTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) });
    // Renewals keep it: beta stays a follower well past one lease duration.
    await eventually('alpha to renew', async () => recordOf(await lease(client)).renewTime > held.renewTime + 3_000, 30_000);
    expect(leaders()).toEqual(['alpha']);

    // Graceful stop: alpha releases, beta takes over at its next retry instead of after 3 s of expiry.
    first.child.kill('SIGTERM');
    await first.exited;
    const releasedAt = events.find((e) => e.identity === 'alpha' && e.ev === 'stopped')?.at ?? 0;
    expect(releasedAt).toBeGreaterThan(0);
    await eventually('beta to lead', () => leaders().includes('beta'), 30_000);
    expect(recordOf(await lease(client))).toMatchObject({ holderIdentity: 'beta', leaseTransitions: 1 });

    // Crash: alpha is back as a candidate, beta is SIGKILLed holding the lease; alpha waits for it to expire.
    const third = startCandidate(a.grpcAddress, 'alpha');
    await eventually('alpha (again) to see beta as leader', () => events.filter((e) => e.identity === 'alpha' && e.ev === 'leader').at(-1)?.leader === 'beta', 60_000);
    const lastRenew = recordOf(await lease(client)).renewTime;
    second.child.kill('SIGKILL');
    await second.exited;
    events.push({ ev: 'killed', identity: 'beta', at: Date.now() });
    const killedAt = Date.now();
    await eventually('alpha to take over the expired lease', () => leaders().includes('alpha'), 60_000);
    const takeover = events.filter((e) => e.identity === 'alpha' && e.ev === 'started').at(-1)?.at ?? 0;
    // Not before the lease could expire: alpha must see the record unchanged for leaseDurationSeconds.
    expect(takeover - Math.max(lastRenew, killedAt - 400)).toBeGreaterThanOrEqual(3_000 - 500);
    expect(recordOf(await lease(client))).toMatchObject({ holderIdentity: 'alpha', leaseTransitions: 2 });
    expect(leaders()).toEqual(['alpha']);
    third.child.kill('SIGTERM');
    await third.exited;
    expect(recordOf(await lease(client)).holderIdentity).toBe('');
  });
});
