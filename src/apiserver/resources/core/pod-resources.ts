// A pod's effective requests and limits in exact quantities (resourcehelper.PodRequests / PodLimits): the containers'
// sum, or more if an init container alone needs more (sidecars — init containers with restartPolicy Always — run
// beside the rest and add up), plus the runtime class overhead. And SetDefaults_Pod's rule that a container giving
// only a limit requests that much.
import type { KubeObject } from '../../types.ts';
import { addQuantities, compareQuantities, parseResourceList, type ResourceList } from '../quantity.ts';
import { arr, o, str, type Obj } from '../values.ts';

/** `into` += `from`, name by name. */
export function addInto(into: ResourceList, from: ResourceList): void {
  for (const [name, q] of from) {
    const current = into.get(name);
    into.set(name, current === undefined ? q : addQuantities(current, q));
  }
}

/** `into` = the larger of the two, name by name. */
export function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [name, q] of from) {
    const current = into.get(name);
    if (current === undefined || compareQuantities(q, current) > 0) into.set(name, q);
  }
}

function effective(pod: KubeObject, field: 'requests' | 'limits'): ResourceList {
  const spec = o(pod.spec);
  const total: ResourceList = new Map();
  for (const c of arr(spec.containers)) addInto(total, parseResourceList(o(c.resources)[field]));
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of arr(spec.initContainers)) {
    const own = parseResourceList(o(c.resources)[field]);
    if (str(c.restartPolicy) === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const withSidecars = new Map(own);
      addInto(withSidecars, sidecars);
      maxInto(initPeak, withSidecars);
    }
  }
  maxInto(total, initPeak);
  const overhead = parseResourceList(spec.overhead);
  if (field === 'requests') addInto(total, overhead);
  else for (const [name, q] of overhead) if (total.has(name)) total.set(name, addQuantities(total.get(name)!, q));
  return total;
}

export const podRequests = (pod: KubeObject): ResourceList => effective(pod, 'requests');
export const podLimits = (pod: KubeObject): ResourceList => effective(pod, 'limits');

/** SetDefaults_Pod: a container (or init container) that sets a limit but no request for it requests the limit. */
export function defaultRequestsFromLimits(spec: Obj): void {
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    const resources = o(c.resources);
    const limits = o(resources.limits);
    if (Object.keys(limits).length === 0) continue;
    const requests = o(resources.requests);
    for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
    resources.requests = requests;
    c.resources = resources;
  }
}
