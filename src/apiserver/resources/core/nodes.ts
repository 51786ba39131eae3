// core/v1 nodes: cluster-scoped, with status; the printer derives STATUS from the Ready condition and
// spec.unschedulable, ROLES from node-role.kubernetes.io/* labels.
import type { KubeObject } from '../../types.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { noCauses, noDefaults, type ResourceDef } from '../resource-def.ts';
import { arr, o, str } from '../values.ts';

function nodeStatus(node: KubeObject): string {
  const conditions = arr(o(node.status).conditions);
  const ready = conditions.find((c) => str(c.type) === 'Ready');
  const parts = [ready === undefined ? 'Unknown' : str(ready.status) === 'True' ? 'Ready' : 'NotReady'];
  if (o(node.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function address(node: KubeObject, type: string): string {
  return str(arr(o(node.status).addresses).find((a) => str(a.type) === type)?.address) || '<none>';
}

export const nodes: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'nodes',
  singular: 'node',
  kind: 'Node',
  namespaced: false,
  shortNames: ['no'],
  categories: [],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Status', 'The status of the node'),
      column('Roles', 'The roles of the node'),
      AGE_COLUMN,
      column('Version', 'Kubelet Version reported by the node.'),
      column('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { priority: 1 }),
      column('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { priority: 1 }),
      column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
      column('Kernel-Version', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).', { priority: 1 }),
      column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
    ],
    cells: (node, now) => {
      const info = o(o(node.status).nodeInfo);
      return [
        node.metadata?.name,
        nodeStatus(node),
        nodeRoles(node),
        age(node.metadata?.creationTimestamp, now),
        str(info.kubeletVersion),
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ];
    },
  },
  selectableFields: { 'spec.unschedulable': (n) => String(o(n.spec).unschedulable === true) },
  defaults: noDefaults,
  validate: noCauses,
  validateUpdate: noCauses,
};
