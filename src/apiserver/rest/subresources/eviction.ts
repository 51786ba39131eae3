// `pods/eviction`: POST a policy/v1 (or v1beta1) Eviction and the pod is deleted with the Eviction's deleteOptions.
// No PodDisruptionBudgets yet, so every eviction is allowed.
import type { DeleteOptions } from '../registry.ts';
import { badRequest, methodNotAllowed } from '../status.ts';
import { createdStatus, type SubresourceHandler } from './subresource.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

export const evictionHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw methodNotAllowed();
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
  await req.registry.delete(req.namespace, req.name, options);
  return createdStatus();
};
