import { describe, expect, it } from 'vitest';
import { parseAgentFlags } from './agent-command.ts';

describe('barque agent flags', () => {
  it('parses the node, runtime and period flags', () => {
    const f = parseAgentFlags(['--apiserver=a:1,b:2', '--node-name', 'n1', '--node-index=7', '--cpu=2', '--memory=4Gi', '--pods=30', '--node-lease-renew-interval=2s', '--kubelet-port=0', '--proxy=false']);
    expect(f).toMatchObject({ apiservers: ['a:1', 'b:2'], nodeName: 'n1', nodeIndex: 7, runtime: 'process', resources: { cpu: '2', memory: '4Gi', pods: '30' }, leaseRenewMs: 2000, kubeletPort: 0, proxy: false });
  });

  it('hollow nodes imply the hollow runtime and no proxy unless asked', () => {
    expect(parseAgentFlags(['--apiserver=a:1', '--hollow-nodes=5'])).toMatchObject({ runtime: 'hollow', hollowNodes: 5, proxy: false });
    expect(parseAgentFlags(['--apiserver=a:1', '--hollow-nodes=5', '--proxy'])).toMatchObject({ proxy: true });
    expect(() => parseAgentFlags(['--apiserver=a:1', '--hollow-nodes=5', '--runtime=process'])).toThrow('--hollow-nodes needs --runtime=hollow');
  });

  it('takes one kubeconfig for every node or a directory of them, not both', () => {
    expect(parseAgentFlags(['--apiserver=a:1', '--hollow-nodes=2', '--kubeconfig-dir=/pki/hollow'])).toMatchObject({ kubeconfigDir: '/pki/hollow' });
    expect(() => parseAgentFlags(['--apiserver=a:1', '--kubeconfig=/k', '--kubeconfig-dir=/d'])).toThrow('--kubeconfig and --kubeconfig-dir exclude each other');
  });

  it('rejects what it cannot use', () => {
    expect(() => parseAgentFlags([])).toThrow('--apiserver is required');
    expect(() => parseAgentFlags(['--apiserver=a:1', '--runtime=docker'])).toThrow('invalid --runtime "docker": want process or hollow');
    expect(() => parseAgentFlags(['--apiserver=a:1', '--bogus'])).toThrow('unknown flag: --bogus');
  });
});
