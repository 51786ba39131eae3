// `pods/binding`: how the scheduler places a pod. POST a Binding; spec.nodeName is set once (409 if the pod is already
// bound or being deleted), the Binding's annotations are copied and the PodScheduled condition turns True.
import type { KubeObject } from '../../types.ts';
import { nowTimestamp } from '../registry.ts';
import { badRequest, cause, conflict, invalid, methodNotAllowed, type StatusCause } from '../status.ts';
import { createdStatus, type SubresourceHandler } from './subresource.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const POD_BINDING = { group: '', resource: 'pods/binding' };

function validateBinding(binding: Obj): StatusCause[] {
  const target = obj(binding.target);
  const causes: StatusCause[] = [];
  const kind = str(target.kind);
  if (kind !== '' && kind !== 'Node') causes.push(cause.notSupported('target.kind', kind, ['Node', '<empty>']));
  if (str(target.name) === '') causes.push(cause.required('target.name'));
  return causes;
}

function bind(pod: KubeObject, binding: Obj, name: string): KubeObject {
  const spec = obj(pod.spec);
  const node = str(spec.nodeName);
  if (pod.metadata?.deletionTimestamp !== undefined) throw conflict(POD_BINDING, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  if (node !== '') throw conflict(POD_BINDING, name, `pod ${name} is already assigned to node "${node}"`);
  spec.nodeName = str(obj(binding.target).name);
  pod.spec = spec;
  const annotations = obj(obj(binding.metadata).annotations) as Record<string, string>;
  if (Object.keys(annotations).length > 0 && pod.metadata !== undefined) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
  const status = obj(pod.status);
  const conditions = (Array.isArray(status.conditions) ? (status.conditions as Obj[]) : []).filter((c) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() });
  status.conditions = conditions;
  pod.status = status;
  return pod;
}

export const bindingHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw methodNotAllowed();
  const binding = obj(await req.body());
  if (typeof binding.kind === 'string' && binding.kind !== '' && binding.kind !== 'Binding') {
    throw badRequest(`Binding in version "v1" cannot be handled as a ${binding.kind}: the object kind does not match the resource`);
  }
  const meta = obj(binding.metadata);
  if (str(meta.namespace) !== '' && meta.namespace !== req.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (str(meta.name) !== req.name) throw badRequest('name in URL does not match name in Binding object');
  const causes = validateBinding(binding);
  if (causes.length > 0) throw invalid('Binding', '', req.name, causes);
  if (req.dryRun) bind(await req.registry.get(req.namespace, req.name), binding, req.name);
  else await req.registry.updateDirect(req.namespace, req.name, (pod) => bind(pod, binding, req.name));
  return createdStatus();
};
