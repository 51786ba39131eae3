import { describe, expect, it } from 'vitest';
import { parseApiserverFlags } from '../cli/apiserver-command.ts';
import { kubeconfigYaml } from './kubeconfig.ts';

describe('barque apiserver flags', () => {
  it('parses etcd servers, address, port, kubeconfig and compaction interval', () => {
    expect(
      parseApiserverFlags(['--etcd-servers=http://a:2379, http://b:2379', '--bind-address', '0.0.0.0', '--port=0', '--write-kubeconfig=/tmp/k', '--compaction-interval=30s']),
    ).toEqual({ etcdServers: ['http://a:2379', 'http://b:2379'], bindAddress: '0.0.0.0', port: 0, kubeconfig: '/tmp/k', compactionIntervalMs: 30_000, serviceClusterIpRange: '127.10.0.0/16', serviceNodePortRange: '30000-32767' });
  });
  it('defaults and refuses what it does not know', () => {
    expect(parseApiserverFlags(['--etcd-servers=x:1'])).toMatchObject({ bindAddress: '127.0.0.1', port: 8080, kubeconfig: null, compactionIntervalMs: 300_000 });
    expect(() => parseApiserverFlags([])).toThrow('--etcd-servers is required');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--port=99999'])).toThrow('invalid port');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--nope'])).toThrow('unknown flag: --nope');
  });
  it('takes service ranges and refuses malformed ones', () => {
    expect(parseApiserverFlags(['--etcd-servers=x:1', '--service-cluster-ip-range=127.20.0.0/24', '--service-node-port-range', '31000-31010'])).toMatchObject({
      serviceClusterIpRange: '127.20.0.0/24',
      serviceNodePortRange: '31000-31010',
    });
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--service-cluster-ip-range=127.20.0.0'])).toThrow('invalid CIDR');
    expect(() => parseApiserverFlags(['--etcd-servers=x:1', '--service-node-port-range=5-1'])).toThrow('invalid port range');
  });
  it('writes a kubeconfig kubectl and client-node accept for a plain HTTP server', () => {
    const yaml = kubeconfigYaml('http://127.0.0.1:8080');
    expect(yaml).toContain('    server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true\n');
    expect(yaml).toContain('current-context: barque\n');
  });
});
