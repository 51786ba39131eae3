// Everything a pod needs from the API before the runtime can start it: env values from the downward API and from
// configMap/secret keys (valueFrom, envFrom), the data of configMap and secret volumes, the directories of the
// PersistentVolumes its claims are bound to, and the Service variables of its namespace. The runtime only takes
// plain values, so they are resolved here.
import type { KubeObject } from '../../apiserver/index.ts';
import type { ResourceClient } from '../client/index.ts';
import type { EnvVar, PersistentVolumeDir, RunPodRequest, ServiceEnvSource } from './runtime/index.ts';
import type { ApiPod } from './pod-types.ts';

export interface PodInputSources {
  configMaps: ResourceClient<KubeObject>;
  secrets: ResourceClient<KubeObject>;
  claims: ResourceClient<KubeObject>;
  volumes: ResourceClient<KubeObject>;
  /** Services of a namespace, from the informer. */
  services(namespace: string): ServiceEnvSource[];
  nodeName: string;
  hostIP: string;
  /** Added to every container (e.g. BARQUE_DNS_SERVER). */
  extraEnv: EnvVar[];
}

type KeyRef = { name?: string; key: string; optional?: boolean };
type ApiEnv = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef } };
type EnvFrom = { prefix?: string; configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } };

/** A missing object or key a pod refers to: the pod waits (CreateContainerConfigError), as the kubelet does. */
export class PodConfigError extends Error {}

/**
 * A volume that cannot be mounted yet (its claim is missing, unbound or being deleted): the pod waits in
 * ContainerCreating with a FailedMount event, as the kubelet's volume manager leaves it.
 */
export class PodVolumeError extends Error {}

class DataCache {
  private readonly cache = new Map<string, Record<string, string> | null>();
  constructor(
    private readonly client: ResourceClient<KubeObject>,
    private readonly namespace: string,
    private readonly decode: boolean,
  ) {}

  async get(name: string): Promise<Record<string, string> | null> {
    if (this.cache.has(name)) return this.cache.get(name)!;
    let data: Record<string, string> | null;
    try {
      const obj = (await this.client.get(this.namespace, name)) as { data?: Record<string, string> };
      const raw = obj.data ?? {};
      data = this.decode ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : { ...raw };
    } catch {
      data = null;
    }
    this.cache.set(name, data);
    return data;
  }
}

export async function podRunRequest(pod: ApiPod, src: PodInputSources): Promise<RunPodRequest> {
  const meta = pod.metadata;
  const ns = meta.namespace;
  const maps = new DataCache(src.configMaps, ns, false);
  const secrets = new DataCache(src.secrets, ns, true);
  const field = (path: string): string => {
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (label !== null) return (label[1] === 'labels' ? meta.labels : meta.annotations)?.[label[2]] ?? '';
    const values: Record<string, string> = {
      'metadata.name': meta.name,
      'metadata.namespace': ns,
      'metadata.uid': meta.uid,
      'spec.nodeName': src.nodeName,
      'spec.serviceAccountName': pod.spec.serviceAccountName ?? 'default',
      'status.hostIP': src.hostIP,
      // The runtime sets POD_IP before a container's own env and expands references against it.
      'status.podIP': '$(POD_IP)',
      'status.podIPs': '$(POD_IP)',
    };
    if (!(path in values)) throw new PodConfigError(`unsupported fieldRef ${path}`);
    return values[path];
  };
  const keyOf = async (cache: DataCache, kind: string, ref: KeyRef): Promise<string | undefined> => {
    const data = await cache.get(ref.name ?? '');
    if (data === null) {
      if (ref.optional === true) return undefined;
      throw new PodConfigError(`${kind} "${ref.name ?? ''}" not found`);
    }
    if (!(ref.key in data)) {
      if (ref.optional === true) return undefined;
      throw new PodConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name ?? ''}`);
    }
    return data[ref.key];
  };
  const containers = [];
  for (const c of pod.spec.containers) {
    const env: EnvVar[] = [];
    for (const from of (c.envFrom ?? []) as EnvFrom[]) {
      const ref = from.configMapRef ?? from.secretRef;
      if (ref === undefined) continue;
      const kind = from.configMapRef !== undefined ? 'configmap' : 'secret';
      const data = await (from.configMapRef !== undefined ? maps : secrets).get(ref.name);
      if (data === null) {
        if (ref.optional === true) continue;
        throw new PodConfigError(`${kind} "${ref.name}" not found`);
      }
      for (const [k, v] of Object.entries(data)) env.push({ name: `${from.prefix ?? ''}${k}`, value: v });
    }
    for (const e of (c.env ?? []) as ApiEnv[]) {
      const vf = e.valueFrom;
      if (vf === undefined) env.push({ name: e.name, value: e.value ?? '' });
      else if (vf.fieldRef !== undefined) env.push({ name: e.name, value: field(vf.fieldRef.fieldPath) });
      else if (vf.configMapKeyRef !== undefined) {
        const v = await keyOf(maps, 'configmap', vf.configMapKeyRef);
        if (v !== undefined) env.push({ name: e.name, value: v });
      } else if (vf.secretKeyRef !== undefined) {
        const v = await keyOf(secrets, 'secret', vf.secretKeyRef);
        if (v !== undefined) env.push({ name: e.name, value: v });
      }
    }
    containers.push({ ...c, env });
  }
  const configMaps: Record<string, Record<string, string>> = {};
  const secretData: Record<string, Record<string, string>> = {};
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap !== undefined) {
      const data = await maps.get(v.configMap.name);
      if (data === null) throw new PodConfigError(`configmap "${v.configMap.name}" not found`);
      configMaps[v.configMap.name] = data;
    }
    if (v.secret !== undefined) {
      const data = await secrets.get(v.secret.secretName);
      if (data === null) throw new PodConfigError(`secret "${v.secret.secretName}" not found`);
      secretData[v.secret.secretName] = data;
    }
  }
  return {
    pod: { uid: meta.uid, name: meta.name, namespace: ns },
    spec: { ...pod.spec, containers },
    extraEnv: src.extraEnv,
    services: pod.spec.enableServiceLinks === false ? [] : src.services(ns),
    configMaps,
    secrets: secretData,
    persistentVolumes: await claimVolumes(pod, src),
  };
}

/** The directory behind each persistentVolumeClaim volume: claim → bound PersistentVolume → its hostPath or local path. */
async function claimVolumes(pod: ApiPod, src: PodInputSources): Promise<Record<string, PersistentVolumeDir>> {
  const ns = pod.metadata.namespace;
  const all = (pod.spec.volumes ?? []).map((v) => v.name);
  const dirs: Record<string, PersistentVolumeDir> = {};
  for (const v of pod.spec.volumes ?? []) {
    const claimName = v.persistentVolumeClaim?.claimName;
    if (claimName === undefined || claimName in dirs) continue;
    try {
      dirs[claimName] = await claimVolume(ns, claimName, src);
    } catch (err) {
      if (!(err instanceof PodVolumeError)) throw err;
      // The kubelet's wording: nothing is mounted until every volume is.
      throw new PodVolumeError(`Unable to attach or mount volumes: unmounted volumes=[${all.join(' ')}], unattached volumes=[${all.join(' ')}], failed to process volumes=[${v.name}]: ${err.message}`);
    }
  }
  return dirs;
}

async function claimVolume(ns: string, claimName: string, src: PodInputSources): Promise<PersistentVolumeDir> {
  const failed = (why: string): PodVolumeError => new PodVolumeError(`error processing PVC ${ns}/${claimName}: ${why}`);
  const claim = await fetched(src.claims, ns, claimName, (message) => failed(`failed to fetch PVC from API server: ${message}`));
  const volumeName = typeof claim.spec === 'object' && claim.spec !== null ? String((claim.spec as { volumeName?: unknown }).volumeName ?? '') : '';
  const phase = (claim.status as { phase?: unknown } | undefined)?.phase;
  if (claim.metadata?.deletionTimestamp !== undefined) throw failed('PVC is being deleted');
  if (phase !== 'Bound' || volumeName === '') throw failed('PVC is not bound');
  const pv = await fetched(src.volumes, '', volumeName, (message) => failed(`failed to fetch PV ${volumeName} from API server: ${message}`));
  const spec = (pv.spec ?? {}) as { hostPath?: { path?: string; type?: string }; local?: { path?: string } };
  const path = spec.hostPath?.path ?? spec.local?.path;
  if (path === undefined || path === '') throw failed(`volume ${volumeName} has no hostPath or local source, the only ones this node mounts`);
  return spec.hostPath !== undefined ? { path, type: spec.hostPath.type ?? '' } : { path };
}

/** An object from the API; a failure to read it (missing, forbidden) is the caller's volume error. */
async function fetched(client: ResourceClient<KubeObject>, ns: string, name: string, failure: (message: string) => Error): Promise<KubeObject> {
  try {
    return await client.get(ns, name);
  } catch (err) {
    throw failure(err instanceof Error ? err.message : String(err));
  }
}
