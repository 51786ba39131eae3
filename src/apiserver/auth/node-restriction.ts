// NodeRestriction, the admission half of the Node authorizer: the authorizer cannot see names in a create's body, so
// a node creating a Node or a node Lease is checked here, on the object, against the requesting node. Nodes may not
// create pods at all (no mirror pods). Installed as registry hooks, which are handed the requester.
import type { ResourceRegistry } from '../rest/registry.ts';
import { noUndo } from '../rest/registry-hooks.ts';
import { ApiError } from '../rest/status.ts';
import type { KubeObject } from '../types.ts';
import { NODE_LEASE_NAMESPACE } from './node-authorizer.ts';
import { nodeNameOf } from './user.ts';

type Check = (node: string, obj: KubeObject) => string | null;

const CHECKS: Record<string, Check> = {
  '/nodes': (node, obj) => (obj.metadata?.name === node ? null : `node "${node}" is not allowed to modify node "${obj.metadata?.name ?? ''}"`),
  '/pods': (node) => `node "${node}" can not create pods`,
  'coordination.k8s.io/leases': (node, obj) =>
    obj.metadata?.namespace === NODE_LEASE_NAMESPACE && obj.metadata?.name === node ? null : `node "${node}" can only create its own node lease in ${NODE_LEASE_NAMESPACE}`,
};

/** Wraps the registry's create hook (keeping any it has, such as the service allocator's). */
export function installNodeRestriction(registry: ResourceRegistry): void {
  const check = CHECKS[`${registry.def.group}/${registry.def.resource}`];
  if (check === undefined) return;
  const inner = registry.hooks.beforeCreate;
  const qualified = registry.def.group === '' ? registry.def.resource : `${registry.def.resource}.${registry.def.group}`;
  registry.hooks = {
    ...registry.hooks,
    beforeCreate: async (obj, dryRun, user) => {
      const node = user === undefined ? null : nodeNameOf(user);
      const why = node === null ? null : check(node, obj);
      if (why !== null) {
        const name = obj.metadata?.name ?? '';
        throw new ApiError(403, 'Forbidden', `${qualified} "${name}" is forbidden: ${why}`, { name, ...(registry.def.group === '' ? {} : { group: registry.def.group }), kind: registry.def.resource });
      }
      return (await inner?.(obj, dryRun, user)) ?? noUndo;
    },
  };
}
