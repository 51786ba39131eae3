import { describe, expect, it } from 'vitest';
import { parseApiserverFlags } from '../cli/apiserver-command.ts';
import { kubeconfigYaml } from './kubeconfig.ts';

describe('barque apiserver flags', () => {
  it('parses etcd servers, address, port, kubeconfig and compaction interval', () => {
    expect(
      parseApiserverFlags(['--etcd-servers=http://a:2379, http://b:2379', '--bind-address', '0.0.0.0', '--port=0', '--write-kubeconfig=/tmp/k', '--compaction-interval=30s']),
    ).toEqual({ etcdServers: ['http://a:2379', 'http://b:2379'], bindAddress: '0.0.0.0', port: 0, security: { anonymousAuth: true }, kubeconfig: '/tmp/k', compactionIntervalMs: 30_000, serviceClusterIpRange: '127.10.0.0/16', serviceNodePortRange: '30000-32767' });
  });
  it('defaults and refuses what it does not know', () => {
    expect(parseApiserverFlags(['--etcd-servers=x:1', '--port=8080'])).toMatchObject({ bindAddress: '127.0.0.1', port: 8080, kubeconfig: null, compactionIntervalMs: 300_000 });
    expect(() => parseApiserverFlags([])).toThrow('--etcd-servers is required');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--port=99999'])).toThrow('invalid port');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--nope'])).toThrow('unknown flag: --nope');
  });
  it('takes --event-ttl as a Go duration, in whole seconds', () => {
    expect(parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--event-ttl=1h0m0s']).eventTtlSeconds).toBe(3600);
    expect(parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--event-ttl', '90s']).eventTtlSeconds).toBe(90);
    expect(parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--event-ttl=1500ms']).eventTtlSeconds).toBe(2);
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--event-ttl=soon'])).toThrow('invalid duration "soon"');
  });
  it('takes service ranges and refuses malformed ones', () => {
    expect(parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--service-cluster-ip-range=127.20.0.0/24', '--service-node-port-range', '31000-31010'])).toMatchObject({
      serviceClusterIpRange: '127.20.0.0/24',
      serviceNodePortRange: '31000-31010',
    });
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--service-cluster-ip-range=127.20.0.0'])).toThrow('invalid CIDR');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--port=0', '--service-node-port-range=5-1'])).toThrow('invalid port range');
  });
  it('serves plain HTTP only on an explicit --port, HTTPS on --secure-port with TLS flags', () => {
    expect(() => parseApiserverFlags(['--etcd-servers=x:1'])).toThrow('no listener: give --tls-cert-file');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--tls-cert-file=c', '--tls-private-key-file=k', '--port=8080'])).toThrow('with TLS use --secure-port');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--port=8080', '--secure-port=6443'])).toThrow('--secure-port needs --tls-cert-file');
    const tls = parseApiserverFlags(['--etcd-servers=x:1', '--tls-cert-file=c', '--tls-private-key-file=k', '--client-ca-file=ca', '--token-auth-file=t', '--anonymous-auth=false']);
    expect(tls).toMatchObject({ port: 6443, security: { tlsCertFile: 'c', tlsPrivateKeyFile: 'k', clientCaFile: 'ca', tokenAuthFile: 't', anonymousAuth: false } });
    expect(parseApiserverFlags(['--etcd-servers=x:1', '--cert-dir=/d', '--secure-port=0', '--authorization-mode=RBAC,Node'])).toMatchObject({ port: 0, security: { certDir: '/d', authorizationModes: ['RBAC', 'Node'] } });
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--cert-dir=/d', '--authorization-mode=ABAC'])).toThrow('authorization-mode "ABAC" is not a valid mode');
  });
  it('writes a kubeconfig with the CA and a client certificate for an HTTPS server', () => {
    const yaml = kubeconfigYaml('https://127.0.0.1:6443', 'barque', 'default', { caPem: 'CA', certPem: 'CERT', keyPem: 'KEY' });
    expect(yaml).toContain(`    server: https://127.0.0.1:6443\n    certificate-authority-data: ${Buffer.from('CA').toString('base64')}\n`);
    expect(yaml).toContain(`  user:\n    client-certificate-data: ${Buffer.from('CERT').toString('base64')}\n    client-key-data: ${Buffer.from('KEY').toString('base64')}\n`);
    expect(yaml).not.toContain('insecure-skip-tls-verify');
  });
  it('writes a kubeconfig kubectl and client-node accept for a plain HTTP server', () => {
    const yaml = kubeconfigYaml('http://127.0.0.1:8080');
    expect(yaml).toContain('    server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true\n');
    expect(yaml).toContain('current-context: barque\n');
  });
});
