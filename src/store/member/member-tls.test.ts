import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTlsUrls, loadTls, parseEtcdFlags, TlsConfigError } from './index.ts';

describe("etcd's TLS flags", () => {
  const dir = mkdtempSync(join(tmpdir(), 'barque-member-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the client and peer TLS flags with etcd names, off by default', () => {
    const none = parseEtcdFlags([], {});
    expect(none.clientTls).toEqual({ certFile: '', keyFile: '', trustedCaFile: '', clientCertAuth: false, autoTls: false });
    expect(none.peerTls).toEqual(none.clientTls);
    const c = parseEtcdFlags(['--cert-file', 'c.crt', '--key-file=c.key', '--trusted-ca-file=ca.crt', '--client-cert-auth', '--peer-cert-file=p.crt', '--peer-key-file=p.key'], {
      ETCD_PEER_CLIENT_CERT_AUTH: 'true',
    });
    expect(c.clientTls).toEqual({ certFile: 'c.crt', keyFile: 'c.key', trustedCaFile: 'ca.crt', clientCertAuth: true, autoTls: false });
    expect(c.peerTls).toEqual({ certFile: 'p.crt', keyFile: 'p.key', trustedCaFile: '', clientCertAuth: true, autoTls: false });
    const auto = parseEtcdFlags(['--auto-tls'], { ETCD_PEER_AUTO_TLS: 'true' });
    expect([auto.clientTls.autoTls, auto.peerTls.autoTls]).toEqual([true, true]);
  });

  it('loads PEMs only when both cert and key are given, and names a missing file', () => {
    writeFileSync(join(dir, 'a.crt'), 'CERT');
    writeFileSync(join(dir, 'a.key'), 'KEY');
    expect(loadTls({ certFile: join(dir, 'a.crt'), keyFile: '', trustedCaFile: '', clientCertAuth: true, autoTls: false })).toBeUndefined();
    expect(loadTls({ certFile: join(dir, 'a.crt'), keyFile: join(dir, 'a.key'), trustedCaFile: '', clientCertAuth: false, autoTls: false })).toEqual({
      certPem: 'CERT',
      keyPem: 'KEY',
      caPem: undefined,
      clientCertAuth: false,
    });
    const missing = join(dir, 'none.crt');
    expect(() => loadTls({ certFile: missing, keyFile: join(dir, 'a.key'), trustedCaFile: '', clientCertAuth: false, autoTls: false })).toThrow(
      new TlsConfigError(`open ${missing}: no such file or directory`),
    );
  });

  it("refuses https URLs without a certificate in etcd's words", () => {
    const tls = { certPem: 'c', keyPem: 'k', clientCertAuth: false };
    expect(() => checkTlsUrls(['https://127.0.0.1:2379'], ['http://127.0.0.1:2380'], undefined, undefined)).toThrow(
      'TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme',
    );
    expect(() => checkTlsUrls(['http://127.0.0.1:2379'], ['https://127.0.0.1:2380'], tls, undefined)).toThrow(
      'cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented',
    );
    expect(() => checkTlsUrls(['https://127.0.0.1:2379'], ['https://127.0.0.1:2380'], tls, tls)).not.toThrow();
  });
});
