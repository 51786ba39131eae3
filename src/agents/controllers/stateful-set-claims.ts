// A StatefulSet's volumeClaimTemplates, as Kubernetes' StatefulSet controller uses them: pod <set>-<i> gets one claim
// per template, named <template>-<set>-<i>, labelled with the template's labels and the set's matchLabels, and a
// persistentVolumeClaim volume of the template's name in place of any pod volume of that name. Claims outlive their
// pods. persistentVolumeClaimRetentionPolicy decides their owners: whenDeleted Delete makes the set own them (the
// garbage collector removes them with it), whenScaled Delete makes a condemned pod (ordinal ≥ replicas) own its own;
// Retain takes those owner references away again.
import type { KubeObject } from '../../apiserver/index.ts';
import { arr, o, str } from '../../apiserver/resources/values.ts';

type Obj = KubeObject;

interface PlainOwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export function claimName(template: Obj, setName: string, ordinal: number): string {
  return `${template.metadata?.name ?? ''}-${setName}-${ordinal}`;
}

const templatesOf = (sts: Obj): Obj[] => arr(o(sts.spec).volumeClaimTemplates) as Obj[];

/** The claims pod `ordinal` needs, as they are created. */
export function claimsForOrdinal(sts: Obj, ordinal: number): Obj[] {
  const setName = sts.metadata?.name ?? '';
  const matchLabels = o(o(o(sts.spec).selector).matchLabels) as Record<string, string>;
  return templatesOf(sts).map((t) => {
    const meta = t.metadata ?? {};
    const claim: Obj = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claimName(t, setName, ordinal), namespace: sts.metadata?.namespace, labels: { ...(meta.labels ?? {}), ...matchLabels } },
      spec: structuredClone(o(t.spec)),
    };
    if (meta.annotations !== undefined) claim.metadata = { ...claim.metadata, annotations: { ...meta.annotations } };
    return claim;
  });
}

/** The pod's volumes with one persistentVolumeClaim volume per template first, replacing pod volumes of that name. */
export function volumesWithClaims(sts: Obj, ordinal: number, volumes: unknown): Obj[] {
  const setName = sts.metadata?.name ?? '';
  const templates = templatesOf(sts);
  const names = new Set(templates.map((t) => t.metadata?.name ?? ''));
  const claimVolumes = templates.map((t) => ({ name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(t, setName, ordinal) } }));
  return [...claimVolumes, ...arr(volumes).filter((v) => !names.has(str(v.name)))];
}

const refTo = (owner: Obj, apiVersion: string, kind: string): PlainOwnerRef => ({ apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '' });

/**
 * The claim's ownerReferences under the set's retention policy for a pod of the set (kube's
 * updateClaimOwnerRefForSetAndPod), or undefined when they are right already.
 */
export function retentionOwnerRefs(claim: Obj, sts: Obj, pod: Obj, condemned: boolean): unknown[] | undefined {
  const policy = o(o(sts.spec).persistentVolumeClaimRetentionPolicy);
  const whenDeleted = str(policy.whenDeleted) || 'Retain';
  const whenScaled = str(policy.whenScaled) || 'Retain';
  const setUid = sts.metadata?.uid ?? '';
  const podUid = pod.metadata?.uid ?? '';
  let refs = (Array.isArray(claim.metadata?.ownerReferences) ? claim.metadata.ownerReferences : []) as Obj[];
  const before = JSON.stringify(refs);
  const has = (uid: string): boolean => refs.some((r) => str(r.uid) === uid);
  const set = (ref: PlainOwnerRef): void => {
    if (!has(ref.uid)) refs = [...refs, ref as unknown as Obj];
  };
  const remove = (uid: string): void => {
    refs = refs.filter((r) => str(r.uid) !== uid);
  };
  const ownedBySet = whenDeleted === 'Delete' && !(whenScaled === 'Delete' && condemned);
  const ownedByPod = whenScaled === 'Delete' && condemned;
  if (ownedBySet) set(refTo(sts, 'apps/v1', 'StatefulSet'));
  else remove(setUid);
  if (ownedByPod) set(refTo(pod, 'v1', 'Pod'));
  else remove(podUid);
  return JSON.stringify(refs) === before ? undefined : refs;
}
