// Kubernetes' strategic-merge metadata for list fields (the `patchStrategy`/`patchMergeKey` struct tags upstream,
// published as x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key). The schema package carries field
// structure but not these tags, so they are stated here, keyed by definition short name and field. kubectl builds
// client-side apply patches from them: without a merge key a list is sent whole and replaced.
export interface ListPatchMeta {
  strategy: string;
  mergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: readonly string[];
}

const containerLists: Record<string, ListPatchMeta> = {
  ports: { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  env: { strategy: 'merge', mergeKey: 'name' },
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

const PATCH_META: Record<string, Record<string, ListPatchMeta>> = {
  ObjectMeta: {
    finalizers: { strategy: 'merge', listType: 'set' },
    ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
  },
  PodSpec: {
    containers: { strategy: 'merge', mergeKey: 'name' },
    initContainers: { strategy: 'merge', mergeKey: 'name' },
    ephemeralContainers: { strategy: 'merge', mergeKey: 'name' },
    volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' },
    imagePullSecrets: { strategy: 'merge', mergeKey: 'name' },
    hostAliases: { strategy: 'merge', mergeKey: 'ip' },
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    schedulingGates: { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  },
  Container: containerLists,
  EphemeralContainer: containerLists,
  ServiceSpec: {
    ports: { strategy: 'merge', mergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
  },
  ServiceAccount: {
    secrets: { strategy: 'merge', mergeKey: 'name' },
  },
  NodeStatus: {
    addresses: { strategy: 'merge', mergeKey: 'type' },
  },
};

/** Status condition lists are merged by `type` throughout the API. */
const CONDITIONS: ListPatchMeta = { strategy: 'merge', mergeKey: 'type' };

export function listPatchMeta(definition: string, field: string): ListPatchMeta | undefined {
  const meta = PATCH_META[definition]?.[field];
  if (meta !== undefined) return meta;
  return field === 'conditions' && definition.endsWith('Status') ? CONDITIONS : undefined;
}

/** Fields patched with `$retainKeys` (a union whose other members are cleared). */
export function fieldPatchStrategy(definition: string, field: string): string | undefined {
  if ((definition === 'DeploymentSpec' || definition === 'DaemonSetSpec') && (field === 'strategy' || field === 'updateStrategy')) return 'retainKeys';
  return undefined;
}
