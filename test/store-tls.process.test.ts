// TLS on the store's client and peer links, multi-process: a 3-member barque cluster with etcd's TLS flags on both
// links (client and peer certificates required), served to etcdctl 3.4 and the npm etcd3 client; plaintext and
// foreign clients refused; and, against real etcd 3.4.23 started with the same flags as the oracle, the same
// outcome for a client without a certificate and the client certificate's CN taken as the etcd user.
import { get as httpsGet } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '../src/apiserver/storage/index.ts';
import { createCa, issueClientCert, issueMemberCert, LOCAL_HOSTS, writePemFiles, type PemFiles } from '../src/common/pki/index.ts';
import { loadEtcdProtos } from '../src/store/proto/index.ts';
import { fetchPeerMembers } from '../src/store/replication/peer-members.ts';
import { allocateLoopbackPorts, EtcdCluster, killAllLeftoversSync, runEtcdctl, type EtcdctlResult } from '../src/store/testing/etcd-process.ts';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';

const dir = mkdtempSync(join(tmpdir(), 'barque-tls-test-'));
const ca = createCa('barque-test-ca');
const caFile = writePemFiles(dir, 'ca', ca).certFile;
const member = writePemFiles(dir, 'member', issueMemberCert(ca, { commonName: 'member', hosts: LOCAL_HOSTS }));
const root = writePemFiles(dir, 'root', issueClientCert(ca, { user: 'root' }));
const alice = writePemFiles(dir, 'alice', issueClientCert(ca, { user: 'alice' }));
const stranger = writePemFiles(dir, 'stranger', issueClientCert(createCa('another-ca'), { user: 'root' }));

const TLS_FLAGS = [
  `--cert-file=${member.certFile}`,
  `--key-file=${member.keyFile}`,
  `--trusted-ca-file=${caFile}`,
  '--client-cert-auth',
  `--peer-cert-file=${member.certFile}`,
  `--peer-key-file=${member.keyFile}`,
  `--peer-trusted-ca-file=${caFile}`,
  '--peer-client-cert-auth',
];
const pem = (path: string): Buffer => readFileSync(path);
const asUser = (files: PemFiles): string[] => [`--cacert=${caFile}`, `--cert=${files.certFile}`, `--key=${files.keyFile}`];

let barque: EtcdCluster;
let etcd: EtcdCluster;

beforeAll(async () => {
  referenceBinary('etcd'); // fail loudly without the oracle
  [barque, etcd] = await Promise.all(
    (['barque', 'etcd'] as const).map((impl) =>
      EtcdCluster.start({ impl, members: impl === 'barque' ? 3 : 1, scheme: 'https', extraArgs: TLS_FLAGS, etcdctlArgs: asUser(root) }),
    ),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([barque?.cleanup(), etcd?.cleanup()]);
  killAllLeftoversSync();
  rmSync(dir, { recursive: true, force: true });
});

function ok(r: EtcdctlResult): string {
  expect(r.code, `etcdctl failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const ctl = (cluster: EtcdCluster, user: PemFiles, args: string[]): Promise<EtcdctlResult> =>
  cluster.etcdctl([...asUser(user), '--command-timeout=15s', ...args], { timeoutMs: 40_000 });

/** etcdctl's verdict without its timestamped retry warnings: exit code and the final error line. */
function verdict(r: EtcdctlResult): { code: number | null; stdout: string; error: string | undefined } {
  return { code: r.code, stdout: r.stdout, error: r.stderr.trim().split('\n').filter((l) => l.startsWith('Error:')).at(-1) };
}

describe('store over TLS (multi-process)', () => {
  it('serves etcdctl over TLS on a cluster whose peers talk TLS', async () => {
    ok(await ctl(barque, root, ['put', 'greeting', 'hello']));
    expect(ok(await ctl(barque, root, ['get', 'greeting']))).toBe('greeting\nhello\n');
    const members = ok(await ctl(barque, root, ['member', 'list'])).trim().split('\n');
    expect(members).toHaveLength(3);
    for (const m of barque.members) expect(members.some((l) => l.includes(`, ${m.peerUrl}, ${m.clientUrl}, false`))).toBe(true);
    // Each endpoint dialed on its own (:authority carries the URL: the fix-up path, behind TLS).
    const status = ok(await ctl(barque, root, ['endpoint', 'status', '--cluster', '-w', 'json']));
    const rows = JSON.parse(status) as Array<{ Endpoint: string; Status: { leader: string; header: { member_id: string } } }>;
    expect(rows.map((r) => r.Endpoint).sort()).toEqual(barque.clientUrls().sort());
    expect(rows.filter((r) => r.Status.leader === r.Status.header.member_id)).toHaveLength(1);
  });

  it('refuses plaintext on the TLS client listener, and keeps serving', async () => {
    const plain = await runEtcdctl([`--endpoints=${barque.members[0].clientUrl.replace('https:', 'http:')}`, '--dial-timeout=1s', '--command-timeout=2s', 'get', 'greeting']);
    expect(plain.code).toBe(1);
    expect(verdict(plain).error).toBe('Error: context deadline exceeded');
    const { services } = loadEtcdProtos();
    const kv = new services.KV.Client(`127.0.0.1:${barque.members[0].config.spec.clientPort}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      (kv as unknown as Record<string, (r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void) => void>).Range(
        { key: Buffer.from('greeting') },
        { deadline: Date.now() + 3_000 },
        resolve,
      ),
    );
    kv.close();
    expect(err?.code).toBeOneOf([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
    expect(ok(await ctl(barque, root, ['get', 'greeting']))).toBe('greeting\nhello\n');
  });

  it('refuses a client without a CA-signed certificate, as etcd 3.4 does', async () => {
    const run = (c: EtcdCluster, args: string[]) => runEtcdctl([`--endpoints=${c.members[0].clientUrl}`, ...args, '--dial-timeout=1s', '--command-timeout=2s', 'get', 'greeting']);
    const credentials = [[`--cacert=${caFile}`], asUser(stranger)];
    const runs = await Promise.all(credentials.flatMap((args) => [run(barque, args), run(etcd, args)]));
    for (let i = 0; i < credentials.length; i++) {
      const [ours, theirs] = [runs[2 * i], runs[2 * i + 1]];
      expect(verdict(ours)).toEqual(verdict(theirs));
      expect(verdict(ours)).toMatchObject({ code: 1, error: 'Error: context deadline exceeded' });
    }
  });

  it('refuses https URLs without --cert-file/--key-file at start, in etcd\'s words', async () => {
    const ports = await allocateLoopbackPorts(4);
    const start = (impl: 'etcd' | 'barque', clientScheme: string, peerScheme: string, clientPort: number, peerPort: number) => {
      const peer = `${peerScheme}://127.0.0.1:${peerPort}`;
      const args = [
        '--name=x', `--data-dir=${join(dir, `${impl}-${clientScheme}-${peerScheme}`)}`,
        `--listen-client-urls=${clientScheme}://127.0.0.1:${clientPort}`, `--advertise-client-urls=${clientScheme}://127.0.0.1:${clientPort}`,
        `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=x=${peer}`,
      ];
      const [file, argv] = impl === 'etcd' ? [referenceBinary('etcd'), args] : [process.execPath, ['bin/barque', 'etcd', ...args]];
      return new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(file, argv, { timeout: 30_000 }, (_err, _out, stderr) => resolve({ code: child.exitCode, stderr }));
      });
    };
    const cases = [
      ['https', 'http', ports[0], ports[1], `TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:${ports[0]} with HTTPS scheme`],
      ['http', 'https', ports[2], ports[3], `cannot listen on TLS for 127.0.0.1:${ports[3]}: KeyFile and CertFile are not presented`],
    ] as const;
    const runs = await Promise.all(cases.flatMap(([c, p, cp, pp]) => [start('barque', c, p, cp, pp), start('etcd', c, p, cp, pp)]));
    cases.forEach(([, , , , words], i) => {
      for (const r of [runs[2 * i], runs[2 * i + 1]]) {
        expect(r.stderr).toContain(words);
        expect(r.code).toBe(1);
      }
    });
  });

  it('refuses a peer without a CA-signed certificate on the peer link', async () => {
    const peerUrl = barque.members[0].peerUrl;
    await expect(fetchPeerMembers(peerUrl, 3_000, grpc.credentials.createSsl(pem(caFile)))).rejects.toThrow();
    const memberCreds = grpc.credentials.createSsl(pem(caFile), pem(member.keyFile), pem(member.certFile));
    expect((await fetchPeerMembers(peerUrl, 10_000, memberCreds)).members).toHaveLength(3);
  });

  it('serves the npm etcd3 client over TLS: put, get, watch', async () => {
    const client = new Etcd3({
      hosts: barque.clientUrls(),
      credentials: { rootCertificate: pem(caFile), certChain: pem(root.certFile), privateKey: pem(root.keyFile) },
    });
    try {
      const watcher = await client.watch().key('tls/watched').create();
      const seen = new Promise<string>((resolve) => watcher.on('put', (kv) => resolve(kv.value.toString())));
      await client.put('tls/watched').value('v1');
      expect(await client.get('tls/watched').string()).toBe('v1');
      expect(await seen).toBe('v1');
      await watcher.cancel();
    } finally {
      client.close();
    }
  });

  it("serves the apiserver's etcd client (--etcd-cafile/--etcd-certfile/--etcd-keyfile) over TLS", async () => {
    const client = new EtcdClient({
      endpoints: barque.clientUrls(),
      tls: { caPem: ca.certPem, certPem: readFileSync(root.certFile, 'utf8'), keyPem: readFileSync(root.keyFile, 'utf8') },
    });
    try {
      const key = Buffer.from('/registry/tls-probe');
      const created = await client.txn([{ key, target: 'mod', modRevision: 0 }], [{ op: 'put', key, value: Buffer.from('x') }], []);
      expect(created.succeeded).toBe(true);
      expect((await client.range(key)).kvs.map((kv) => kv.value.toString())).toEqual(['x']);
    } finally {
      client.close();
    }
  });

  it('answers /health and /version over HTTPS (HTTP/1.1 by ALPN, and h2) as etcd does', async () => {
    const tls = { ca: ca.certPem, cert: pem(root.certFile), key: pem(root.keyFile) };
    const get1 = (base: string, path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = httpsGet(`${base}${path}`, { ...tls, agent: false, timeout: 20_000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${res.headers['content-type']} ${body}`));
        });
        req.on('timeout', () => req.destroy(new Error('no answer')));
        req.on('error', reject);
      });
    const get2 = (base: string, path: string) =>
      new Promise<string>((resolve, reject) => {
        const session = http2Connect(base, tls);
        session.on('error', reject);
        const req = session.request({ ':path': path });
        let head = '';
        let body = '';
        req.on('response', (h) => (head = `${h[':status']} ${h['content-type']}`));
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => (session.close(), resolve(`${head} ${body}`)));
        req.on('error', reject);
      });
    for (const path of ['/health', '/version']) {
      const oracle = await get1(etcd.members[0].clientUrl, path);
      expect(oracle).toMatch(/^200 /);
      expect(await get1(barque.members[0].clientUrl, path), path).toBe(oracle);
      expect(await get2(barque.members[1].clientUrl, path), `${path} over h2`).toBe(oracle);
    }
    // gRPC on the same TLS port is unchanged by the HTTP/1.1 offer: etcdctl still negotiates h2.
    ok(await ctl(barque, root, ['endpoint', 'health']));
  });

  it('takes the client certificate CN as the etcd user when auth is on, as etcd 3.4 does', async () => {
    const setup = [
      ['user', 'add', 'root', '--new-user-password=rootpw'],
      ['role', 'add', 'alice-role'],
      ['role', 'grant-permission', 'alice-role', 'readwrite', '/alice/', '--prefix=true'],
      ['user', 'add', 'alice', '--new-user-password=alicepw'],
      ['user', 'grant-role', 'alice', 'alice-role'],
      ['auth', 'enable'],
    ];
    for (const c of [barque, etcd]) for (const args of setup) ok(await ctl(c, root, args));
    const script: Array<[PemFiles, string[]]> = [
      [alice, ['put', '/alice/k', 'v']],
      [alice, ['get', '/alice/k']],
      [alice, ['put', '/bob/k', 'v']],
      [alice, ['get', '/bob/k']],
      [alice, ['user', 'list']],
      [root, ['get', '/alice/k']],
      [root, ['user', 'list']],
    ];
    const outcomes: Array<string | undefined> = [];
    for (const [user, args] of script) {
      const [ours, theirs] = await Promise.all([ctl(barque, user, args), ctl(etcd, user, args)]);
      expect({ args, ...verdict(ours) }).toEqual({ args, ...verdict(theirs) });
      outcomes.push(verdict(ours).error);
    }
    const denied = 'Error: etcdserver: permission denied';
    expect(outcomes).toEqual([undefined, undefined, denied, denied, denied, undefined, undefined]);
    // A token still wins over the certificate (etcd reads the token first).
    const withToken = await ctl(barque, root, ['--user=alice:alicepw', 'get', '/bob/k']);
    expect(verdict(withToken).error).toBe('Error: etcdserver: permission denied');
  });
});
