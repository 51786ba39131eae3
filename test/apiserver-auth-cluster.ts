// The secured apiserver for test/apiserver-auth.process.test.ts: real etcd 3.4, a PKI made with src/common/pki
// (CA, serving certificate, admin and node client certificates), a token file, and `bin/barque apiserver` over
// HTTPS with --anonymous-auth=false and the default Node,RBAC authorization. Plus an HTTPS client that presents a
// certificate or a token.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCa, issueClientCert, issueServingCert, writePemFiles, type KeyPair } from '../src/common/pki/index.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { stopChild } from './process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START_TIMEOUT_MS = 60_000;

export const TOKENS = { alice: 'alice-token-0123', bob: 'bob-token-4567' };

export interface SecureCluster {
  url: string;
  grpcAddress: string;
  kubeconfig: string;
  dir: string;
  ca: KeyPair;
  admin: KeyPair;
  node1: KeyPair;
  /** Stops the apiserver and starts a new one on the same store and files (url and grpcAddress change). */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

export interface SecureClusterOptions {
  /** More lines for the token file (token,user,uid,"groups"). */
  extraTokens?: string;
}

export async function startSecureCluster(options: SecureClusterOptions = {}): Promise<SecureCluster> {
  const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'barque-auth-test-'));
  const ca = createCa('test-ca');
  const serving = issueServingCert(ca, { commonName: 'barque-apiserver', hosts: ['127.0.0.1', 'localhost'] });
  const admin = issueClientCert(ca, { user: 'test-admin', groups: ['system:masters'] });
  const node1 = issueClientCert(ca, { user: 'system:node:n1', groups: ['system:nodes'] });
  const caFiles = writePemFiles(dir, 'ca', ca);
  const servingFiles = writePemFiles(dir, 'apiserver', serving);
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${TOKENS.alice},alice,uid-alice,"dev"\n${TOKENS.bob},bob,uid-bob\n${options.extraTokens ?? ''}`);
  const kubeconfig = join(dir, 'kubeconfig');
  const launch = (): { child: ChildProcess; ready: Promise<[string, string]>; log: () => string } => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'barque'), 'apiserver', `--etcd-servers=${etcd.clientUrls().join(',')}`,
        '--secure-port=0', '--grpc-port=0', `--tls-cert-file=${servingFiles.certFile}`, `--tls-private-key-file=${servingFiles.keyFile}`,
        `--client-ca-file=${caFiles.certFile}`, `--client-ca-key-file=${caFiles.keyFile}`, `--token-auth-file=${tokenFile}`,
        '--anonymous-auth=false', `--write-kubeconfig=${kubeconfig}`,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BARQUE_LOG_LEVEL: 'warn' } },
    );
    let log = '';
    const ready = new Promise<[string, string]>((done, reject) => {
      const timer = setTimeout(() => reject(new Error(`apiserver did not start within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        log = (log + chunk.toString()).slice(-20_000);
        const m = /apiserver grpc listening on (\S+)\napiserver listening on (https:\/\/\S+)/.exec(log);
        if (m !== null) {
          clearTimeout(timer);
          done([m[1], m[2]]);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`apiserver exited with ${code}:\n${log}`));
      });
    });
    return { child, ready, log: () => log };
  };
  let current = launch();
  const stopApiserver = (): Promise<void> => stopChild(current.child);
  const stop = async (): Promise<void> => {
    await stopApiserver();
    await etcd.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [grpcAddress, url] = await current.ready;
    const cluster: SecureCluster = {
      url,
      grpcAddress,
      kubeconfig,
      dir,
      ca,
      admin,
      node1,
      stop,
      restartApiserver: async () => {
        await stopApiserver();
        current = launch();
        [cluster.grpcAddress, cluster.url] = await current.ready;
      },
    };
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface Reply {
  status: number;
  json: Record<string, unknown>;
}

/** One HTTPS request trusting the test CA, with a client certificate, a token, or no credentials. */
export function call(cluster: SecureCluster, path: string, init: { method?: string; body?: unknown; cert?: KeyPair; token?: string; contentType?: string } = {}): Promise<Reply> {
  const url = new URL(path, cluster.url);
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((done, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        ca: cluster.ca.certPem,
        servername: 'localhost',
        cert: init.cert?.certPem,
        key: init.cert?.keyPem,
        headers: {
          'Content-Type': init.contentType ?? 'application/json',
          ...(init.token === undefined ? {} : { Authorization: `Bearer ${init.token}` }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until `ok` holds (RBAC reads its objects from watch caches, which follow the store within moments). */
export async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}
