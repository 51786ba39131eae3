// `/scale` on replicationcontrollers, replicasets, deployments and statefulsets: an autoscaling/v1 Scale view of the
// object (spec.replicas, status.replicas, status.selector as text). GET reads it; PUT and PATCH change only
// spec.replicas, re-applied to the latest object on every write attempt so concurrent status writes do not conflict.
import type { KubeObject } from '../../types.ts';
import { applyPatch, PatchError, PATCH_CONTENT_TYPES, type PatchType } from '../patch.ts';
import { badRequest, cause, conflict, invalid, methodNotAllowed, unsupportedMediaType } from '../status.ts';
import type { SubresourceHandler, SubresourceRequest } from './subresource.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

export function toScale(req: Pick<SubresourceRequest, 'registry'>, current: KubeObject): KubeObject {
  const meta = current.metadata ?? {};
  const status = obj(current.status);
  const scaleInfo = req.registry.def.scale;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: typeof obj(current.spec).replicas === 'number' ? obj(current.spec).replicas : 0 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector: scaleInfo?.selector(current) ?? '' },
  };
}

function validateScale(name: string, scale: KubeObject): void {
  const replicas = obj(scale.spec).replicas;
  if (replicas === undefined) return;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw invalid('Scale', 'autoscaling', name, [cause.invalid('spec.replicas', replicas, 'must be an integer')]);
  if (replicas < 0) throw invalid('Scale', 'autoscaling', name, [cause.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
}

/** The desired Scale for `current`, from a PUT body or a patch; throws Status errors for bad input. */
type ScaleChange = (current: KubeObject) => KubeObject;

async function changeFor(req: SubresourceRequest): Promise<ScaleChange> {
  if (req.method === 'PUT') {
    const body = obj(await req.body());
    const bodyName = obj(body.metadata).name;
    if (typeof bodyName === 'string' && bodyName !== '' && bodyName !== req.name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${req.name})`);
    if (typeof body.kind === 'string' && body.kind !== '' && body.kind !== 'Scale') throw badRequest(`Scale in version "v1" cannot be handled as a ${body.kind}: the object kind does not match the resource`);
    return () => body as KubeObject;
  }
  if (!(PATCH_CONTENT_TYPES as readonly string[]).includes(req.patchType)) throw unsupportedMediaType([...PATCH_CONTENT_TYPES]);
  const patch = await req.body();
  if (patch === undefined) throw badRequest('the body of the request was empty');
  return (current) => {
    try {
      return obj(applyPatch(req.patchType as PatchType, toScale(req, current), patch)) as KubeObject;
    } catch (err) {
      if (err instanceof PatchError) throw badRequest(err.message);
      throw err;
    }
  };
}

export const scaleHandler: SubresourceHandler = async (req) => {
  const { registry, namespace, name } = req;
  if (req.method === 'GET') return { code: 200, body: toScale(req, await registry.get(namespace, name)) };
  if (req.method !== 'PUT' && req.method !== 'PATCH') throw methodNotAllowed();
  const desiredFor = await changeFor(req);
  const apply = (current: KubeObject): KubeObject => {
    const desired = desiredFor(current);
    const rv = obj(desired.metadata).resourceVersion;
    if (typeof rv === 'string' && rv !== '' && rv !== current.metadata?.resourceVersion) throw conflict(registry.def, name);
    validateScale(name, desired);
    const replicas = obj(desired.spec).replicas;
    current.spec = { ...obj(current.spec), replicas: typeof replicas === 'number' ? replicas : 0 };
    return current;
  };
  const updated = req.dryRun ? apply(await registry.get(namespace, name)) : await registry.updateDirect(namespace, name, apply);
  return { code: 200, body: toScale(req, updated) };
};
