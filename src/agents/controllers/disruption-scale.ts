// The denominator of percentage and maxUnavailable budgets: the summed spec.replicas of the controllers that own the
// selected pods, found through each pod's controllerRef as kube-controller-manager's disruption controller finds
// them — a ReplicaSet owned by a Deployment counts as its Deployment, each controller once however many pods it has.
import type { KubeObject } from '../../apiserver/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import type { SharedInformer } from '../client/index.ts';
import { controllerRefOf, type OwnerReference } from './common/controller-ref.ts';
import { BudgetError } from './disruption-budget.ts';

export interface ScaleSources {
  replicasets: SharedInformer;
  deployments: SharedInformer;
  replicationcontrollers: SharedInformer;
  statefulsets: SharedInformer;
}

/** Owners without a scale subresource, named as Kubernetes names them in the error. */
const WITHOUT_SCALE: Readonly<Record<string, string>> = { DaemonSet: 'daemonsets.apps', Job: 'jobs.batch', CronJob: 'cronjobs.batch' };

interface ControllerScale {
  uid: string;
  replicas: number;
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');
const replicasOf = (obj: KubeObject): number => {
  const r = o(obj.spec).replicas;
  return typeof r === 'number' ? r : 1;
};

/** The cached object `ref` names, if it is still the one with that uid. */
function lookup(informer: SharedInformer, namespace: string, ref: OwnerReference): KubeObject | undefined {
  const found = informer.indexer.get(`${namespace}/${ref.name}`);
  return found?.metadata?.uid === ref.uid ? found : undefined;
}

function controllerScale(sources: ScaleSources, namespace: string, ref: OwnerReference): ControllerScale | undefined {
  const group = groupOf(ref.apiVersion);
  const isApps = (g: string): boolean => g === 'apps' || g === 'extensions';
  const scaleOf = (obj: KubeObject | undefined): ControllerScale | undefined => (obj === undefined ? undefined : { uid: obj.metadata?.uid ?? '', replicas: replicasOf(obj) });
  if (ref.kind === 'ReplicaSet' && isApps(group)) {
    const rs = lookup(sources.replicasets, namespace, ref);
    const parent = rs === undefined ? undefined : controllerRefOf(rs);
    if (parent?.kind !== 'Deployment') return scaleOf(rs);
    return isApps(groupOf(parent.apiVersion)) ? scaleOf(lookup(sources.deployments, namespace, parent)) : undefined;
  }
  if (ref.kind === 'StatefulSet' && group === 'apps') return scaleOf(lookup(sources.statefulsets, namespace, ref));
  if (ref.kind === 'ReplicationController' && group === '') return scaleOf(lookup(sources.replicationcontrollers, namespace, ref));
  return undefined;
}

export interface ExpectedScale {
  expectedPods: number;
  /** Pods without a controller: they are not counted (Kubernetes records them as unmanaged). */
  unmanaged: string[];
}

/** Throws BudgetError when a pod's controller has no scale or is not in the caches (the caller fails safe). */
export function expectedScaleOf(pods: readonly KubeObject[], sources: ScaleSources): ExpectedScale {
  const byController = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (ref === undefined) {
      unmanaged.push(pod.metadata?.name ?? '');
      continue;
    }
    if (byController.has(ref.uid)) continue;
    const found = controllerScale(sources, pod.metadata?.namespace ?? '', ref);
    if (found === undefined) {
      const resource = WITHOUT_SCALE[ref.kind];
      throw new BudgetError(resource !== undefined ? `${resource} does not implement the scale subresource` : `found no controllers for pod "${pod.metadata?.name ?? ''}"`);
    }
    byController.set(found.uid, found.replicas);
  }
  let expectedPods = 0;
  for (const replicas of byController.values()) expectedPods += replicas;
  return { expectedPods, unmanaged };
}
