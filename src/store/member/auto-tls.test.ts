import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenHosts, loadSideTls, parseEtcdFlags, unusedTlsWarnings, type MemberTls } from './index.ts';

describe("etcd's --auto-tls and --peer-auto-tls", () => {
  const root = mkdtempSync(join(tmpdir(), 'barque-auto-tls-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const urls = ['https://127.0.0.1:2379', 'https://localhost:22379', 'https://[::1]:2379'];

  it('makes a self-signed pair under <data-dir>/fixtures/<side> for the listen hosts, and drops CA and client-cert auth', () => {
    const dataDir = join(root, 'm0');
    const flags = parseEtcdFlags(['--auto-tls', '--client-cert-auth', '--trusted-ca-file=ca.crt'], {}).clientTls;
    const { tls, selfSignedFiles, warning } = loadSideTls('client', flags, dataDir, urls);
    expect(warning).toBeUndefined();
    expect(selfSignedFiles).toEqual({ certFile: join(dataDir, 'fixtures/client/cert.pem'), keyFile: join(dataDir, 'fixtures/client/key.pem') });
    expect(tls).toMatchObject({ clientCertAuth: false, selfSigned: true });
    expect(tls?.caPem).toBeUndefined();
    const cert = new X509Certificate(readFileSync(join(dataDir, 'fixtures/client/cert.pem')));
    expect(cert.subject).toBe('O=etcd');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1');
    expect((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000).toBe(365);
    expect(statSync(join(dataDir, 'fixtures/client/key.pem')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dataDir, 'fixtures/peer'))).toBe(false);
  });

  it('reuses the pair on the next start, as etcd does', () => {
    const dataDir = join(root, 'm1');
    const flags = parseEtcdFlags(['--peer-auto-tls'], {}).peerTls;
    const first = loadSideTls('peer', flags, dataDir, ['https://127.0.0.1:2380']).tls as MemberTls;
    const again = loadSideTls('peer', flags, dataDir, ['https://127.0.0.2:2380']).tls as MemberTls;
    expect(again.certPem).toBe(first.certPem);
    expect(again.keyPem).toBe(first.keyPem);
  });

  it('is ignored with etcd\'s warning when a cert or key file is given', () => {
    const dataDir = join(root, 'm2');
    writeFileSync(join(root, 'given.crt'), 'CERT');
    writeFileSync(join(root, 'given.key'), 'KEY');
    const flags = parseEtcdFlags(['--peer-auto-tls', `--peer-cert-file=${join(root, 'given.crt')}`, `--peer-key-file=${join(root, 'given.key')}`], {}).peerTls;
    const side = loadSideTls('peer', flags, dataDir, urls);
    expect(side.warning).toBe('ignoring peer auto TLS since certs given');
    expect(side.tls).toMatchObject({ certPem: 'CERT', keyPem: 'KEY' });
    expect(side.selfSignedFiles).toBeUndefined();
    expect(existsSync(join(dataDir, 'fixtures'))).toBe(false);
  });

  it('still makes the pair for http URLs, which then warn that it is unused (as etcd 3.4.23)', () => {
    const flags = parseEtcdFlags(['--auto-tls', '--peer-auto-tls'], {});
    const dataDir = join(root, 'm3');
    const client = loadSideTls('client', flags.clientTls, dataDir, ['http://127.0.0.1:2379']).tls;
    const peer = loadSideTls('peer', flags.peerTls, dataDir, ['http://127.0.0.1:2380']).tls;
    expect(existsSync(join(dataDir, 'fixtures/client/cert.pem')) && existsSync(join(dataDir, 'fixtures/peer/cert.pem'))).toBe(true);
    expect(unusedTlsWarnings(['http://127.0.0.1:2379', 'https://127.0.0.1:2381'], ['http://127.0.0.1:2380'], client, peer)).toEqual([
      'The scheme of peer url http://127.0.0.1:2380 is HTTP while peer key/cert files are presented. Ignored peer key/cert files.',
      'The scheme of client url http://127.0.0.1:2379 is HTTP while peer key/cert files are presented. Ignored key/cert files.',
    ]);
    expect(unusedTlsWarnings(['http://127.0.0.1:2379'], ['http://127.0.0.1:2380'], undefined, undefined)).toEqual([]);
  });

  it('leaves TLS off without the flag', () => {
    expect(loadSideTls('client', parseEtcdFlags([], {}).clientTls, join(root, 'm4'), urls)).toEqual({ tls: undefined });
    expect(existsSync(join(root, 'm4'))).toBe(false);
  });

  it('takes hosts from URLs without ports or brackets', () => {
    expect(listenHosts(['https://0.0.0.0:2379', 'https://[::1]:1', 'https://example.test', 'not a url'])).toEqual(['0.0.0.0', '::1', 'example.test']);
  });
});
