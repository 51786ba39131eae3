import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSecurity } from './apiserver-security.ts';

describe('apiserver security flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'barque-security-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plain HTTP without auth flags means no authentication at all', () => {
    expect(resolveSecurity({ anonymousAuth: true }, '127.10.0.1', '127.0.0.1')).toEqual({ kubeconfig: {} });
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, 't,alice,u\n');
    expect(resolveSecurity({ anonymousAuth: false, tokenAuthFile: tokens }, undefined, '127.0.0.1').auth).toMatchObject({ anonymous: false, modes: ['AlwaysAllow'] });
  });

  it('--cert-dir makes a CA, a serving certificate with the service IP and an admin certificate once, then reuses them', () => {
    const certDir = join(dir, 'pki');
    const first = resolveSecurity({ anonymousAuth: true, certDir }, '127.10.0.1', '127.0.0.1');
    for (const f of ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key']) expect(existsSync(join(certDir, f))).toBe(true);
    const serving = new X509Certificate(first.tls?.certPem ?? '');
    expect(serving.checkIP('127.10.0.1')).toBe('127.10.0.1');
    expect(serving.checkHost('localhost')).toBe('localhost');
    expect(new X509Certificate(first.kubeconfig.certPem ?? '').subject).toBe('O=system:masters\nCN=barque-admin');
    expect(first.kubeconfig.caPem).toBe(first.tls?.clientCaPem);
    expect(first.auth).toMatchObject({ anonymous: true, modes: ['Node', 'RBAC'] });
    expect(resolveSecurity({ anonymousAuth: true, certDir }, '127.10.0.1', '127.0.0.1')).toEqual(first);
  });

  it('refuses a certificate without its key and unreadable files', () => {
    expect(() => resolveSecurity({ anonymousAuth: true, tlsCertFile: join(dir, 'x.crt') }, undefined, '127.0.0.1')).toThrow('--tls-cert-file needs --tls-private-key-file');
    expect(() => resolveSecurity({ anonymousAuth: true, tlsCertFile: join(dir, 'x.crt'), tlsPrivateKeyFile: join(dir, 'x.key') }, undefined, '127.0.0.1')).toThrow('cannot read');
  });
});
