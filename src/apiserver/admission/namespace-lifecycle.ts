// The NamespaceLifecycle admission rule: nothing new may be created in a namespace that is being terminated.
import { ApiError, type QualifiedResource } from '../rest/status.ts';
import type { KubeObject } from '../types.ts';

export function admitCreateInNamespace(resource: QualifiedResource, name: string, namespace: KubeObject): void {
  if (namespace.metadata?.deletionTimestamp === undefined) return;
  const nsName = namespace.metadata.name ?? '';
  const qualified = resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`;
  throw new ApiError(403, 'Forbidden', `${qualified} "${name}" is forbidden: unable to create new content in namespace ${nsName} because it is being terminated`, {
    name,
    ...(resource.group === '' ? {} : { group: resource.group }),
    kind: resource.resource,
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${nsName} is being terminated`, field: 'metadata.namespace' }],
  });
}
