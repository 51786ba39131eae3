// etcd's --auto-tls and --peer-auto-tls, multi-process: 3-member barque and real etcd 3.4.23 clusters started with
// both flags and https URLs only. Checked against etcd as the oracle: the certificates each member writes under
// <data-dir>/fixtures, the same etcdctl script's transcript after the differential normalizer, the same verdicts for
// clients that do not connect the way a self-signed server needs, and the pair kept across a restart. Peers must
// accept each other with certificates that chain to no CA, or the clusters would not form.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPeerMembers } from '../src/store/replication/peer-members.ts';
import { EtcdCluster, killAllLeftoversSync, runEtcdctl, type EtcdctlResult, type EtcdMember } from '../src/store/testing/etcd-process.ts';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import type { Invocation } from './differential/invocation.ts';
import { differencesFrom, keepTranscript, runScript } from './differential/runner.ts';

const MEMBERS = 3;
const START_TIMEOUT_MS = 180_000;
const AUTO_TLS_FLAGS = ['--auto-tls', '--peer-auto-tls'];
// etcdctl 3.4 dials plaintext unless told otherwise (--insecure-transport defaults to true), even for https
// endpoints; --insecure-skip-tls-verify alone is not enough against a self-signed server (checked against etcd).
const SKIP_VERIFY = ['--insecure-transport=false', '--insecure-skip-tls-verify'];

const SCRIPT: readonly Invocation[] = [
  { id: 'put', args: ['put', 'greeting', 'hello'] },
  { id: 'get', args: ['get', 'greeting'] },
  { id: 'get-json', args: ['get', 'greeting', '-w', 'json'] },
  { id: 'member-list', args: ['member', 'list'] },
  { id: 'member-list-json', args: ['member', 'list', '-w', 'json'] },
  { id: 'endpoint-status-cluster', args: ['endpoint', 'status', '--cluster'], volatile: ['raft-index', 'db-size'] },
  { id: 'endpoint-status-cluster-json', args: ['endpoint', 'status', '--cluster', '-w', 'json'], volatile: ['raft-index', 'db-size'] },
  { id: 'endpoint-health-cluster', args: ['endpoint', 'health', '--cluster'] },
  { id: 'del', args: ['del', 'greeting'] },
];

const scratch = mkdtempSync(join(tmpdir(), 'barque-autotls-test-'));
let barque: EtcdCluster;
let etcd: EtcdCluster;

beforeAll(async () => {
  referenceBinary('etcd'); // fail loudly without the oracle
  [barque, etcd] = await Promise.all(
    (['barque', 'etcd'] as const).map((impl) =>
      EtcdCluster.start({ impl, members: MEMBERS, scheme: 'https', extraArgs: AUTO_TLS_FLAGS, etcdctlArgs: SKIP_VERIFY, startTimeoutMs: START_TIMEOUT_MS }),
    ),
  );
}, START_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await Promise.all([barque?.cleanup(), etcd?.cleanup()]);
  killAllLeftoversSync();
  rmSync(scratch, { recursive: true, force: true });
});

const fixture = (m: EtcdMember, side: 'client' | 'peer', file: 'cert.pem' | 'key.pem'): string => join(m.dataDir, 'fixtures', side, file);

/** What etcd fixes about its self-signed certificates (the key type and serial are its own business). */
function certificateShape(path: string): Record<string, unknown> {
  const cert = new X509Certificate(readFileSync(path));
  return {
    subject: cert.subject,
    selfIssued: cert.issuer === cert.subject && cert.verify(cert.publicKey),
    ca: cert.ca,
    subjectAltName: cert.subjectAltName,
    extendedKeyUsage: cert.keyUsage,
    validityDays: (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000,
  };
}

/** etcdctl's verdict without its timestamped retry warnings: exit code, stdout and the final error line. */
function verdict(r: EtcdctlResult): { code: number | null; stdout: string; error: string | undefined } {
  return { code: r.code, stdout: r.stdout, error: r.stderr.trim().split('\n').filter((l) => l.startsWith('Error:')).at(-1) };
}

describe('store with --auto-tls and --peer-auto-tls (multi-process)', () => {
  it('writes a self-signed pair per side under <data-dir>/fixtures, shaped as etcd\'s', () => {
    const expected = { subject: 'O=etcd', selfIssued: true, ca: false, subjectAltName: 'IP Address:127.0.0.1', extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'], validityDays: 365 };
    for (const m of [...barque.members, ...etcd.members]) {
      for (const side of ['client', 'peer'] as const) {
        expect({ impl: m.config.impl, side, ...certificateShape(fixture(m, side, 'cert.pem')) }).toEqual({ impl: m.config.impl, side, ...expected });
      }
    }
    // One pair per member and side: nothing is shared between members.
    const certs = barque.members.flatMap((m) => [readFileSync(fixture(m, 'client', 'cert.pem'), 'utf8'), readFileSync(fixture(m, 'peer', 'cert.pem'), 'utf8')]);
    expect(new Set(certs).size).toBe(2 * MEMBERS);
  });

  it('answers the etcdctl script (put, get, member list, endpoint status --cluster) as etcd does', async () => {
    const oracle = await runScript(etcd, SCRIPT, scratch, SKIP_VERIFY);
    keepTranscript('autotls-etcd', oracle);
    for (const entry of oracle.entries) expect(entry.lines[1], entry.lines.join('\n')).toBe('exit 0');
    const ours = await runScript(barque, SCRIPT, scratch, SKIP_VERIFY);
    const { differing, message } = differencesFrom(oracle, ours, 'autotls-barque');
    expect(differing, message).toEqual([]);
    const members = ours.entries.find((e) => e.id === 'member-list')?.lines.filter((l) => l.startsWith('out|')) ?? [];
    expect(members).toHaveLength(MEMBERS);
    for (const line of members) expect(line).toMatch(/, started, m\d, <peer-url:m\d>, <client-url:m\d>, false$/);
  }, 240_000);

  it('gives clients that do not skip verification or dial plaintext the same verdict as etcd', async () => {
    const quick = ['--dial-timeout=2s', '--command-timeout=3s'];
    const cases: Array<{ name: string; args: (m: EtcdMember) => string[]; code: number }> = [
      { name: 'plaintext to the https port', args: (m) => [`--endpoints=${m.clientUrl.replace('https:', 'http:')}`], code: 1 },
      { name: '--insecure-skip-tls-verify alone (etcdctl still dials plaintext)', args: (m) => [`--endpoints=${m.clientUrl}`, '--insecure-skip-tls-verify'], code: 1 },
      { name: 'TLS verifying against the system roots', args: (m) => [`--endpoints=${m.clientUrl}`, '--insecure-transport=false'], code: 1 },
      { name: "the member's own certificate pinned as CA", args: (m) => [`--endpoints=${m.clientUrl}`, `--cacert=${fixture(m, 'client', 'cert.pem')}`], code: 0 },
    ];
    for (const c of cases) {
      const [ours, theirs] = await Promise.all([barque, etcd].map((cluster) => runEtcdctl([...c.args(cluster.members[0]), ...quick, 'get', 'none'], { timeoutMs: 40_000 })));
      expect({ case: c.name, ...verdict(ours) }).toEqual({ case: c.name, ...verdict(theirs) });
      expect({ case: c.name, code: ours.code }).toEqual({ case: c.name, code: c.code });
    }
  }, 240_000);

  it('accepts a peer connection without a client certificate on the peer port (no CA to verify against)', async () => {
    const anyServer = grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false });
    expect((await fetchPeerMembers(barque.members[0].peerUrl, 10_000, anyServer)).members).toHaveLength(MEMBERS);
    // A dialer that verifies finds nothing to trust: the certificate chains to no CA.
    await expect(fetchPeerMembers(barque.members[0].peerUrl, 3_000, grpc.credentials.createSsl())).rejects.toThrow();
  });

  it('keeps the pair across a restart and the restarted member rejoins, as etcd does', async () => {
    const restarted = [barque.members[1], etcd.members[1]];
    const before = restarted.map((m) => readFileSync(fixture(m, 'client', 'cert.pem'), 'utf8') + readFileSync(fixture(m, 'peer', 'cert.pem'), 'utf8'));
    await Promise.all(restarted.map((m) => m.restart(START_TIMEOUT_MS)));
    const after = restarted.map((m) => readFileSync(fixture(m, 'client', 'cert.pem'), 'utf8') + readFileSync(fixture(m, 'peer', 'cert.pem'), 'utf8'));
    expect(after).toEqual(before);
    const [ours, theirs] = await Promise.all(
      restarted.map((m) => runEtcdctl([`--endpoints=${m.clientUrl}`, ...SKIP_VERIFY, '--command-timeout=15s', 'put', 'after-restart', 'yes'], { timeoutMs: 40_000 })),
    );
    expect(verdict(ours)).toEqual(verdict(theirs));
    expect(verdict(ours)).toMatchObject({ code: 0, stdout: 'OK\n' });
  }, START_TIMEOUT_MS + 60_000);
});
