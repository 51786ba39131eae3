// Which apiserver each component talks to first: the plan spreads the load instead of sending every client to
// master 0's apiserver (they use the first address until it fails).
import { describe, expect, it } from 'vitest';
import { clusterLayout, type ClusterConfig } from './cluster-layout.ts';
import type { ClusterCredentials } from './cluster-pki.ts';
import { grpcAddress, masterComponents, nodeComponents } from './cluster-plan.ts';

const files = (name: string): { certFile: string; keyFile: string } => ({ certFile: `/pki/${name}.crt`, keyFile: `/pki/${name}.key` });

function fakeCredentials(masters: number, nodeNames: string[]): ClusterCredentials {
  const members = new Map(Array.from({ length: masters }, (_, i) => [`m${i}`, files(`etcd-m${i}`)] as const));
  return {
    caFile: '/pki/ca.crt',
    admin: { certPem: '', keyPem: '' },
    serving: Array.from({ length: masters }, (_, i) => files(`apiserver-m${i}`)),
    controllerManager: '/pki/controller-manager.kubeconfig',
    scheduler: '/pki/scheduler.kubeconfig',
    nodes: new Map(nodeNames.map((n) => [n, `/pki/${n}.kubeconfig`])),
    hollow: { tokenFile: '/pki/hollow-tokens.csv', kubeconfigDir: '/pki/hollow-nodes' },
    store: { caFile: '/pki/ca.crt', members, client: files('etcd-client') },
  };
}

const flag = (args: string[], name: string): string => args[args.indexOf(name) + 1];

describe('cluster plan: apiserver order per component', () => {
  const config: ClusterConfig = { masters: 3, nodes: 4, hollowNodes: 5, basePort: 41000, store: 'barque' };
  const layout = clusterLayout('/tmp/plan-test');
  const creds = fakeCredentials(3, ['node-0', 'node-1', 'node-2', 'node-3']);
  const all = [0, 1, 2].map((m) => grpcAddress(config, m));

  it("starts each master's controller-manager and scheduler at that master's apiserver, with every apiserver listed", () => {
    for (const i of [0, 1, 2]) {
      for (const spec of masterComponents(config, layout, creds, i).filter((c) => c.name === 'controller-manager' || c.name === 'scheduler')) {
        const list = flag(spec.args, '--apiserver').split(',');
        expect(list[0]).toBe(all[i]);
        expect([...list].sort()).toEqual([...all].sort());
      }
    }
  });

  it('starts process node j at the j-th apiserver, wrapping, and gives the hollow agent the list in order (it spreads its nodes)', () => {
    const specs = nodeComponents(config, layout, creds);
    const firsts = specs.map((s) => flag(s.spec.args, '--apiserver').split(',')[0]);
    expect(firsts).toEqual([all[0], all[1], all[2], all[0], all[0]]);
    expect(flag(specs[4].spec.args, '--apiserver')).toBe(all.join(','));
  });
});
