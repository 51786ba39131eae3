// What a pod references by name in its own namespace, as the Node authorizer's graph records it: secrets (image pull
// secrets, env/envFrom, secret and projected volumes, the secret refs of storage volume plug-ins), config maps (env,
// envFrom, configMap and projected volumes), persistent volume claims (including generic ephemeral volumes, named
// <pod>-<volume>) and its service account.
import type { KubeObject } from '../types.ts';

export interface PodReferences {
  secrets: Set<string>;
  configmaps: Set<string>;
  persistentvolumeclaims: Set<string>;
  serviceaccounts: Set<string>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Volume plug-ins that name a secret through `secretRef`. */
const SECRET_REF_VOLUMES = ['cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos'];

export function podReferences(pod: KubeObject): PodReferences {
  const refs: PodReferences = { secrets: new Set(), configmaps: new Set(), persistentvolumeclaims: new Set(), serviceaccounts: new Set() };
  const add = (set: Set<string>, name: unknown): void => {
    if (text(name) !== '') set.add(text(name));
  };
  const spec = obj(pod.spec);
  add(refs.serviceaccounts, text(spec.serviceAccountName) || spec.serviceAccount);
  for (const s of list(spec.imagePullSecrets)) add(refs.secrets, s.name);
  for (const c of [...list(spec.containers), ...list(spec.initContainers), ...list(spec.ephemeralContainers)]) {
    for (const e of list(c.env)) {
      const from = obj(e.valueFrom);
      add(refs.secrets, obj(from.secretKeyRef).name);
      add(refs.configmaps, obj(from.configMapKeyRef).name);
    }
    for (const e of list(c.envFrom)) {
      add(refs.secrets, obj(e.secretRef).name);
      add(refs.configmaps, obj(e.configMapRef).name);
    }
  }
  for (const v of list(spec.volumes)) {
    add(refs.secrets, obj(v.secret).secretName);
    add(refs.configmaps, obj(v.configMap).name);
    add(refs.persistentvolumeclaims, obj(v.persistentVolumeClaim).claimName);
    if (v.ephemeral !== undefined) add(refs.persistentvolumeclaims, `${text(pod.metadata?.name)}-${text(v.name)}`);
    for (const source of list(obj(v.projected).sources)) {
      add(refs.secrets, obj(source.secret).name);
      add(refs.configmaps, obj(source.configMap).name);
    }
    for (const plugin of SECRET_REF_VOLUMES) add(refs.secrets, obj(obj(v[plugin]).secretRef).name);
    add(refs.secrets, obj(v.azureFile).secretName);
    add(refs.secrets, obj(obj(v.csi).nodePublishSecretRef).name);
  }
  return refs;
}
