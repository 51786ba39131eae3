// `pods/eviction`: POST a policy/v1 (or v1beta1) Eviction to delete a pod without breaking its PodDisruptionBudget,
// as kube-apiserver does. A pod that is Pending, finished or already terminating is deleted at once (it disrupts
// nothing). Otherwise the one budget covering the pod decides from its status: an unready pod may go when the budget
// is met anyway; else a disruption is spent and recorded in status.disruptedPods before the pod is deleted, or the
// answer is 429 TooManyRequests. Both the REST and the gRPC front end come here.
import type { KubeObject } from '../../types.ts';
import type { DeleteOptions } from '../registry.ts';
import { ApiError, badRequest, methodNotAllowed } from '../status.ts';
import { budgetCovering, checkAndDecrement, EVICTION_ATTEMPTS_MAX, unhealthyPodMayGo } from './eviction-budget.ts';
import { createdStatus, type SubresourceHandler, type SubresourceRequest } from './subresource.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

async function deleteOptionsOf(req: SubresourceRequest): Promise<DeleteOptions> {
  const eviction = obj(await req.body());
  if (typeof eviction.kind === 'string' && eviction.kind !== '' && eviction.kind !== 'Eviction') {
    throw badRequest(`Eviction in version "v1" cannot be handled as a ${eviction.kind}: the object kind does not match the resource`);
  }
  if (typeof eviction.apiVersion === 'string' && eviction.apiVersion !== '' && !EVICTION_VERSIONS.includes(eviction.apiVersion)) {
    throw badRequest(`unsupported eviction version ${eviction.apiVersion}: want policy/v1 or policy/v1beta1`);
  }
  if (obj(eviction.metadata).name !== req.name) throw badRequest('name in URL does not match name in Eviction object');
  const given = obj(eviction.deleteOptions);
  const options: DeleteOptions = { dryRun: req.dryRun || (Array.isArray(given.dryRun) && given.dryRun.includes('All')) };
  if (typeof given.gracePeriodSeconds === 'number') options.gracePeriodSeconds = given.gracePeriodSeconds;
  if (typeof given.propagationPolicy === 'string') options.propagationPolicy = given.propagationPolicy;
  if (typeof given.preconditions === 'object' && given.preconditions !== null) options.preconditions = given.preconditions as DeleteOptions['preconditions'];
  return options;
}

const phaseOf = (pod: KubeObject): string => String(obj(pod.status).phase ?? '') || 'Pending';
const isTerminating = (pod: KubeObject): boolean => pod.metadata?.deletionTimestamp !== undefined;
const isPodReady = (pod: KubeObject): boolean => {
  const conditions = obj(pod.status).conditions;
  return Array.isArray(conditions) && conditions.some((c) => obj(c).type === 'Ready' && obj(c).status === 'True');
};

/** Pods whose eviction disrupts nothing: not started, finished, or already on their way out. */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = phaseOf(pod);
  return phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed' || isTerminating(pod);
}

const callerGaveResourceVersion = (options: DeleteOptions): boolean => (options.preconditions?.resourceVersion ?? '') !== '';

/**
 * The delete conditional on the pod as it was judged (unless the caller gave a resourceVersion of their own), so a
 * pod that turned Running or Ready meanwhile is not deleted on a stale decision.
 */
function pinnedTo(options: DeleteOptions, pod: KubeObject): DeleteOptions {
  if (callerGaveResourceVersion(options)) return options;
  return { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata?.resourceVersion } };
}

/** The pod, once it needs its budget consulted; undefined when it was deleted without (retried on conflicts). */
async function deleteIfIgnorable(req: SubresourceRequest, options: DeleteOptions): Promise<KubeObject | undefined> {
  for (let attempt = 1; ; attempt++) {
    const pod = await req.registry.get(req.namespace, req.name);
    if (!canIgnoreBudget(pod)) return pod;
    // Only a pod that may still start is pinned; finished and terminating pods stay ignorable whatever changes.
    const pin = phaseOf(pod) === 'Pending' && !isTerminating(pod);
    try {
      await req.registry.delete(req.namespace, req.name, pin ? pinnedTo(options, pod) : options);
      return undefined;
    } catch (err) {
      const retry = err instanceof ApiError && err.reason === 'Conflict' && !callerGaveResourceVersion(options) && attempt < EVICTION_ATTEMPTS_MAX;
      if (!retry) throw err;
    }
  }
}

export const evictionHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw methodNotAllowed();
  const options = await deleteOptionsOf(req);
  const pod = await deleteIfIgnorable(req, options);
  if (pod === undefined) return createdStatus();
  const pdbs = req.registry.peer('policy', 'poddisruptionbudgets');
  const pdb = pdbs === undefined ? undefined : await budgetCovering(pdbs, pod);
  if (pdbs === undefined || pdb === undefined) {
    await req.registry.delete(req.namespace, req.name, options);
  } else if (!isPodReady(pod) && unhealthyPodMayGo(pdb)) {
    await req.registry.delete(req.namespace, req.name, pinnedTo(options, pod));
  } else {
    await checkAndDecrement(pdbs, pdb, req.name, options.dryRun === true);
    await req.registry.delete(req.namespace, req.name, options);
  }
  return createdStatus();
};
