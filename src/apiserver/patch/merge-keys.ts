// Patch strategies and merge keys of the built-in kinds, as Kubernetes' Go types declare them (patchStrategy,
// patchMergeKey, listType, listMapKey, structType/mapType markers). Only what differs from the defaults is listed:
// a list not named here is replaced by strategic merge patch and atomic for server-side apply.
import { atomic, keyedAtomicList, keyedList, primitiveSet, struct, type FieldSchema } from './schema.ts';

const objectMeta = struct({
  finalizers: primitiveSet,
  ownerReferences: keyedList(undefined, 'uid'),
});

const container = struct({
  // Ports are keyed by containerPort alone for strategic merge, by (containerPort, protocol) for apply.
  ports: keyedList(undefined, 'containerPort', ['containerPort', 'protocol'], { protocol: 'TCP' }),
  env: keyedList(undefined, 'name'),
  volumeMounts: keyedList(undefined, 'mountPath'),
  volumeDevices: keyedList(undefined, 'devicePath'),
});

const podSpec = struct({
  containers: keyedList(container, 'name'),
  initContainers: keyedList(container, 'name'),
  ephemeralContainers: keyedList(container, 'name'),
  volumes: keyedList(undefined, 'name'),
  imagePullSecrets: keyedList(undefined, 'name'),
  hostAliases: keyedList(undefined, 'ip'),
  topologySpreadConstraints: keyedList(undefined, 'topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  schedulingGates: keyedList(undefined, 'name'),
  resourceClaims: keyedList(undefined, 'name'),
});

const podStatus = struct({
  conditions: keyedList(undefined, 'type'),
  podIPs: keyedList(undefined, 'ip'),
  hostIPs: keyedAtomicList(undefined, 'ip'),
});

const podTemplateSpec = struct({ metadata: objectMeta, spec: podSpec });
const conditionsByType = struct({ conditions: keyedList(undefined, 'type') });

const labelSelector = atomic; // metav1.LabelSelector is +structType=atomic

const workloadSpec = (extra: Record<string, FieldSchema> = {}) => struct({ selector: labelSelector, template: podTemplateSpec, ...extra });

const jobSpec = workloadSpec();

/** Kinds by "group/Kind" (core group: "/Kind"). */
const KINDS: Readonly<Record<string, FieldSchema>> = {
  '/Pod': struct({ metadata: objectMeta, spec: podSpec, status: podStatus }),
  '/PodTemplate': struct({ metadata: objectMeta, template: podTemplateSpec }),
  '/ReplicationController': struct({
    metadata: objectMeta,
    spec: struct({ selector: atomic, template: podTemplateSpec }),
    status: conditionsByType,
  }),
  '/Service': struct({
    metadata: objectMeta,
    spec: struct({ ports: keyedList(undefined, 'port', ['port', 'protocol'], { protocol: 'TCP' }), selector: atomic }),
    status: conditionsByType,
  }),
  '/Node': struct({
    metadata: objectMeta,
    spec: struct({ podCIDRs: primitiveSet }),
    status: struct({ conditions: keyedList(undefined, 'type'), addresses: keyedList(undefined, 'type') }),
  }),
  '/Namespace': struct({ metadata: objectMeta, status: conditionsByType }),
  '/ServiceAccount': struct({ metadata: objectMeta, secrets: keyedList(undefined, 'name') }),
  'apps/Deployment': struct({
    metadata: objectMeta,
    spec: workloadSpec({ strategy: {} }), // strategy is patchStrategy=retainKeys: honoured through $retainKeys
    status: conditionsByType,
  }),
  'apps/ReplicaSet': struct({ metadata: objectMeta, spec: workloadSpec(), status: conditionsByType }),
  'apps/DaemonSet': struct({ metadata: objectMeta, spec: workloadSpec(), status: conditionsByType }),
  'apps/StatefulSet': struct({ metadata: objectMeta, spec: workloadSpec(), status: conditionsByType }),
  // Job conditions merge by type in strategic merge patch but are +listType=atomic for apply.
  'batch/Job': struct({ metadata: objectMeta, spec: jobSpec, status: struct({ conditions: keyedAtomicList(undefined, 'type') }) }),
  'batch/CronJob': struct({
    metadata: objectMeta,
    spec: struct({ jobTemplate: struct({ metadata: objectMeta, spec: jobSpec }) }),
  }),
};

const GENERIC = struct({ metadata: objectMeta });

/** The schema patches use for a kind; kinds without special lists get ObjectMeta's rules only. */
export function schemaForKind(group: string, kind: string): FieldSchema {
  return KINDS[`${group}/${kind}`] ?? GENERIC;
}
