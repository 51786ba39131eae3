// What an object counts for in a ResourceQuota, measured as Kubernetes' quota evaluators measure it: shared by the
// apiserver's ResourceQuota admission (the object being created) and the controller-manager's quota controller (every
// object of a namespace). Pods count `pods`, `count/pods` and their compute resources (requests, limits, the bare
// `cpu`/`memory` meaning requests) unless they are finished; services count `services`, node ports and load
// balancers; claims count `persistentvolumeclaims` and `requests.storage`, also per storage class; everything else counts `count/<resource>.<group>` (and the core kinds' legacy names, `configmaps` …).
import type { KubeObject } from '../../types.ts';
import { addInto, podLimits, podRequests } from './pod-resources.ts';
import { addResourceLists, maskResourceList, parseResourceList, quantityOf, ZERO, type ResourceList } from '../quantity.ts';
import { arr, o, str } from '../values.ts';

/** One scope requirement of a quota: `spec.scopes` entries become `Exists` requirements. */
export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values: string[];
}

export interface QuotaEvaluator {
  /** Which of a quota's resource names this kind's usage covers (MatchingResources). */
  matchingResources(names: readonly string[]): string[];
  /** What one object uses (Usage); `nowMs` decides whether a pod stuck terminating still counts. */
  usage(obj: KubeObject, nowMs: number): ResourceList;
  /** Whether the object falls in the scope (only pods have scopes; other kinds match none). */
  matchesScope(requirement: ScopeRequirement, obj: KubeObject): boolean;
  /** For pods: the containers that lack a request or limit a quota constrains, as the 403 words it. */
  constraints?(required: readonly string[], obj: KubeObject): string | undefined;
}

export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

/** The core kinds whose quota also goes by a plain name beside `count/<resource>`. */
const LEGACY_COUNT_NAMES = new Set(['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims', 'services']);

export function objectCountName(group: string, resource: string): string {
  return group === '' ? `count/${resource}` : `count/${resource}.${group}`;
}

/** `count/deployments.apps` → {resource: deployments, group: apps}; undefined for other names. */
export function objectCountTarget(name: string): { group: string; resource: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

const one = (): ReturnType<typeof quantityOf> => quantityOf(1);

function objectCountEvaluator(group: string, resource: string): QuotaEvaluator {
  const names = [objectCountName(group, resource)];
  if (group === '' && LEGACY_COUNT_NAMES.has(resource)) names.push(resource);
  return {
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    usage: () => new Map(names.map((n) => [n, one()])),
    matchesScope: () => false,
  };
}

const SERVICE_RESOURCES = ['count/services', 'services', 'services.loadbalancers', 'services.nodeports'];

const serviceEvaluator: QuotaEvaluator = {
  matchingResources: (input) => input.filter((n) => SERVICE_RESOURCES.includes(n)),
  usage(svc) {
    const spec = o(svc.spec);
    const ports = arr(spec.ports);
    const type = str(spec.type);
    let nodePorts = 0;
    if (type === 'NodePort') nodePorts = ports.length;
    else if (type === 'LoadBalancer') {
      // Without node port allocation only ports that name one count: they are not allocated yet, intent decides.
      nodePorts = spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => typeof p.nodePort === 'number' && p.nodePort !== 0).length : ports.length;
    }
    return new Map([
      ['count/services', one()],
      ['services', one()],
      ['services.loadbalancers', type === 'LoadBalancer' ? one() : ZERO],
      ['services.nodeports', quantityOf(nodePorts)],
    ]);
  },
  matchesScope: () => false,
};

// ---- persistent volume claims ----

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const CLAIM_RESOURCES = ['count/persistentvolumeclaims', 'persistentvolumeclaims', 'requests.storage'];
const isClassResource = (name: string): boolean => name.includes(STORAGE_CLASS_SUFFIX) && (name.endsWith('/requests.storage') || name.endsWith('/persistentvolumeclaims'));

/** Kubernetes' PVC evaluator: counts, the storage request, and both per storage class (`<class>.storageclass.storage.k8s.io/…`). */
const claimEvaluator: QuotaEvaluator = {
  matchingResources: (input) => input.filter((n) => CLAIM_RESOURCES.includes(n) || isClassResource(n)),
  usage(pvc) {
    const request = parseResourceList(o(o(o(pvc.spec).resources).requests)).get('storage') ?? ZERO;
    const used: ResourceList = new Map([
      ['count/persistentvolumeclaims', one()],
      ['persistentvolumeclaims', one()],
      ['requests.storage', request],
    ]);
    const className = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? str(o(pvc.spec).storageClassName);
    if (className !== '') {
      used.set(`${className}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one());
      used.set(`${className}${STORAGE_CLASS_SUFFIX}requests.storage`, request);
    }
    return used;
  },
  matchesScope: () => false,
};

// ---- pods ----

const POD_RESOURCES = [
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
/** Quota on these (a mistake Kubernetes keeps for compatibility) requires every container to state them. */
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** helper.IsNativeResource: no domain, or a kubernetes.io one. */
const isNative = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');
/** An extended resource a container may request ("example.com/gpu"): quota counts it as `requests.<name>`. */
const isExtended = (name: string): boolean => !isNative(name) && !name.startsWith('requests.');

/** podComputeUsageHelper: the quota names a set of requests and limits fill. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', one()]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const request = requests.get(r);
    if (request !== undefined) {
      out.set(r, request);
      out.set(`requests.${r}`, request);
    }
    const limit = limits.get(r);
    if (limit !== undefined) out.set(`limits.${r}`, limit);
  }
  for (const [name, q] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, q);
      out.set(`requests.${name}`, q);
    }
    if (isExtended(name)) out.set(`requests.${name}`, q);
  }
  return out;
}

/** QuotaV1Pod: finished pods, and pods stuck terminating past their grace period, use no compute quota. */
function podCountsForCompute(pod: KubeObject, nowMs: number): boolean {
  const phase = str(o(pod.status).phase);
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const meta = pod.metadata ?? {};
  if (typeof meta.deletionTimestamp === 'string' && typeof meta.deletionGracePeriodSeconds === 'number') {
    const deadline = Date.parse(meta.deletionTimestamp) + meta.deletionGracePeriodSeconds * 1000;
    if (nowMs > deadline) return false;
  }
  return true;
}

/** The pod's QoS class from its spec (qos.GetPodQOS), which the BestEffort scopes go by. */
export function podQosClass(pod: KubeObject): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const spec = o(pod.spec);
  const requests: ResourceList = new Map();
  const limits: ResourceList = new Map();
  let guaranteed = true;
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    const resources = o(c.resources);
    for (const [name, q] of parseResourceList(resources.requests)) if ((name === 'cpu' || name === 'memory') && q.nanos > 0n) addInto(requests, new Map([[name, q]]));
    const found = new Set<string>();
    for (const [name, q] of parseResourceList(resources.limits)) {
      if ((name === 'cpu' || name === 'memory') && q.nanos > 0n) {
        found.add(name);
        addInto(limits, new Map([[name, q]]));
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, q] of requests) if (limits.get(name)?.nanos !== q.nanos) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function usesCrossNamespaceAffinity(pod: KubeObject): boolean {
  const affinity = o(o(pod.spec).affinity);
  const crossNamespace = (term: unknown): boolean => arr(o(term).namespaces).length > 0 || o(term).namespaceSelector !== undefined;
  return [affinity.podAffinity, affinity.podAntiAffinity].some((a) => {
    const kind = o(a);
    return (
      arr(kind.requiredDuringSchedulingIgnoredDuringExecution).some(crossNamespace) ||
      arr(kind.preferredDuringSchedulingIgnoredDuringExecution).some((w) => crossNamespace(w.podAffinityTerm))
    );
  });
}

function priorityClassMatches(pod: KubeObject, r: ScopeRequirement): boolean {
  const name = str(o(pod.spec).priorityClassName);
  switch (r.operator) {
    case 'Exists':
      return name !== '';
    case 'DoesNotExist':
      return name === '';
    case 'In':
      return name !== '' && r.values.includes(name);
    case 'NotIn':
      return name === '' || !r.values.includes(name);
    default:
      return false;
  }
}

const podEvaluator: QuotaEvaluator = {
  matchingResources: (input) => input.filter((n) => POD_RESOURCES.includes(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || (!isNative(n) && n.startsWith('requests.'))),
  usage(pod, nowMs) {
    const counted: ResourceList = new Map([['count/pods', one()]]);
    if (!podCountsForCompute(pod, nowMs)) return counted;
    return addResourceLists(counted, computeUsage(podRequests(pod), podLimits(pod)));
  },
  matchesScope(r, pod) {
    const spec = o(pod.spec);
    const terminating = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
    switch (r.scopeName) {
      case 'Terminating':
        return terminating;
      case 'NotTerminating':
        return !terminating;
      case 'BestEffort':
        return podQosClass(pod) === 'BestEffort';
      case 'NotBestEffort':
        return podQosClass(pod) !== 'BestEffort';
      case 'PriorityClass':
        return priorityClassMatches(pod, r);
      case 'CrossNamespacePodAffinity':
        return usesCrossNamespaceAffinity(pod);
      default:
        return false;
    }
  },
  constraints(required, pod) {
    const wanted = required.filter((r) => MUST_SPECIFY.has(r));
    if (wanted.length === 0) return undefined;
    const missing = new Map<string, Set<string>>();
    const spec = o(pod.spec);
    for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
      const resources = o(c.resources);
      const has = computeUsage(parseResourceList(resources.requests), parseResourceList(resources.limits));
      for (const r of wanted) {
        if (has.has(r)) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(str(c.name));
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

/** The evaluator for a kind, by group and resource (plural). */
export function quotaEvaluatorFor(group: string, resource: string): QuotaEvaluator {
  if (group === '' && resource === 'pods') return podEvaluator;
  if (group === '' && resource === 'services') return serviceEvaluator;
  if (group === '' && resource === 'persistentvolumeclaims') return claimEvaluator;
  return objectCountEvaluator(group, resource);
}

/** The kinds (group, resource) whose objects a quota with these resource names needs counted. */
export function kindsCountedFor(names: readonly string[]): { group: string; resource: string }[] {
  const kinds = new Map<string, { group: string; resource: string }>();
  const want = (group: string, resource: string): void => void kinds.set(`${group}/${resource}`, { group, resource });
  for (const n of names) {
    const target = objectCountTarget(n);
    if (target !== undefined) want(target.group, target.resource);
    else if (LEGACY_COUNT_NAMES.has(n)) want('', n);
  }
  if (podEvaluator.matchingResources(names).length > 0) want('', 'pods');
  if (serviceEvaluator.matchingResources(names).length > 0) want('', 'services');
  if (claimEvaluator.matchingResources(names).length > 0) want('', 'persistentvolumeclaims');
  return [...kinds.values()];
}

/** A quota's scopes and scope selector as requirements (getScopeSelectorsFromQuota). */
export function quotaScopeRequirements(quota: KubeObject): ScopeRequirement[] {
  const spec = o(quota.spec);
  const out: ScopeRequirement[] = (Array.isArray(spec.scopes) ? (spec.scopes as unknown[]) : []).map((s) => ({ scopeName: String(s), operator: 'Exists', values: [] }));
  for (const e of arr(o(spec.scopeSelector).matchExpressions)) {
    out.push({ scopeName: str(e.scopeName), operator: str(e.operator), values: Array.isArray(e.values) ? (e.values as unknown[]).map(String) : [] });
  }
  return out;
}

/** generic.Matches: the quota enforces one of the object's resources and the object is in every scope. */
export function quotaMatches(quota: KubeObject, evaluator: QuotaEvaluator, obj: KubeObject): boolean {
  const hard = Object.keys(o(o(quota.status).hard));
  if (evaluator.matchingResources(hard).length === 0) return false;
  return quotaScopeRequirements(quota).every((r) => evaluator.matchesScope(r, obj));
}

/**
 * What the quota controller computes for one quota (quota.CalculateUsage): for each resource name it can measure, the
 * sum over `objectsOf(kind)` in scope, zero when none. `objectsOf` answers undefined for a kind it cannot list; those
 * names are left out, so their last usage stays.
 */
export function calculateQuotaUsage(
  quota: KubeObject,
  objectsOf: (group: string, resource: string) => readonly KubeObject[] | undefined,
  nowMs: number,
): ResourceList {
  const names = Object.keys(o(o(quota.spec).hard));
  const scopes = quotaScopeRequirements(quota);
  let used: ResourceList = new Map();
  for (const { group, resource } of kindsCountedFor(names)) {
    const evaluator = quotaEvaluatorFor(group, resource);
    const matched = evaluator.matchingResources(names);
    const objects = objectsOf(group, resource);
    if (matched.length === 0 || objects === undefined) continue;
    let sum: ResourceList = new Map(matched.map((n) => [n, ZERO]));
    for (const obj of objects) {
      if (scopes.every((r) => evaluator.matchesScope(r, obj))) sum = addResourceLists(sum, evaluator.usage(obj, nowMs));
    }
    used = addResourceLists(used, maskResourceList(sum, matched));
  }
  return used;
}
