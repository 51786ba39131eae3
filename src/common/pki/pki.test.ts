import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa, createSelfSignedCert, issueClientCert, issueMemberCert, issueServingCert, loadOrCreate, loadOrCreateFiles, readPemFiles, writePemFiles } from './index.ts';

describe('pki', () => {
  const ca = createCa('barque-ca');
  const caCert = new X509Certificate(ca.certPem);
  const dir = mkdtempSync(join(tmpdir(), 'barque-pki-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a self-signed CA', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=barque-ca');
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(ca.keyPem).toContain('PRIVATE KEY');
  });

  it('issues a serving certificate with DNS and IP SANs, signed by the CA', () => {
    const pair = issueServingCert(ca, { commonName: 'barque-apiserver', hosts: ['127.0.0.1', 'localhost', '127.10.0.1', '::1'] });
    const cert = new X509Certificate(pair.certPem);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:127.10.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
  });

  it('issues a client certificate with CN = user and one O per group', () => {
    const cert = new X509Certificate(issueClientCert(ca, { user: 'system:node:n1', groups: ['system:nodes', 'a/b'] }).certPem);
    expect(cert.subject).toBe('O=system:nodes\nO=a/b\nCN=system:node:n1');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(cert.verify(caCert.publicKey)).toBe(true);
  });

  it('gives each certificate its own serial', () => {
    const a = new X509Certificate(issueClientCert(ca, { user: 'a' }).certPem);
    const b = new X509Certificate(issueClientCert(ca, { user: 'a' }).certPem);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  it('writes PEM files (key private to its owner) and reuses them', () => {
    const files = writePemFiles(dir, 'ca', ca);
    expect(statSync(files.keyFile).mode & 0o777).toBe(0o600);
    expect(readPemFiles(files)).toEqual(ca);
    let made = 0;
    const first = loadOrCreate(dir, 'admin', () => (made++, issueClientCert(ca, { user: 'admin', groups: ['system:masters'] })));
    const again = loadOrCreate(dir, 'admin', () => (made++, issueClientCert(ca, { user: 'admin' })));
    expect(again).toEqual(first);
    expect(made).toBe(1);
  });

  it('issues a store member certificate good for serving and dialing (serverAuth and clientAuth)', () => {
    const pair = issueMemberCert(ca, { commonName: 'm0', hosts: ['127.0.0.1', 'localhost'] });
    const cert = new X509Certificate(pair.certPem);
    expect(cert.subject).toBe('CN=m0');
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.verify(caCert.publicKey)).toBe(true);
  });

  it('makes a self-signed serving certificate (etcd auto TLS): its own issuer, SANs once each, one year', () => {
    const pair = createSelfSignedCert({ organization: 'etcd', hosts: ['127.0.0.1', 'localhost', '127.0.0.1'] });
    const cert = new X509Certificate(pair.certPem);
    expect(cert.subject).toBe('O=etcd');
    expect(cert.issuer).toBe('O=etcd');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBe(365);
  });

  it('writes a pair under explicit names (etcd: cert.pem, key.pem) and reuses it', () => {
    const files = { certFile: join(dir, 'fixtures', 'client', 'cert.pem'), keyFile: join(dir, 'fixtures', 'client', 'key.pem') };
    const first = loadOrCreateFiles(files, () => createSelfSignedCert({ organization: 'etcd', hosts: [] }));
    expect(statSync(join(dir, 'fixtures', 'client')).mode & 0o777).toBe(0o700);
    expect(statSync(files.keyFile).mode & 0o777).toBe(0o600);
    expect(loadOrCreateFiles(files, () => expect.unreachable('reused, not made again'))).toEqual(first);
    expect(new X509Certificate(first.certPem).subjectAltName).toBeUndefined();
  });
});
