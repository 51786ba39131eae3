// The ResourceQuota admission rule, as kube-apiserver's plug-in does it on create: every quota of the namespace that
// enforces something the new object uses must have room for it, or the create is refused (403, upstream's texts); a
// pod lacking a request or limit a quota constrains is refused too. Admitted usage is added to the quotas'
// status.used before the object is written (a conditional write: a concurrent charge makes it read and try again), so
// creates racing each other cannot overshoot; the quota controller recomputes usage from what exists later (an
// object whose write then failed is charged until it does).
import { quotaEvaluatorFor, quotaMatches, type QuotaEvaluator } from '../resources/core/quota-usage.ts';
import {
  addResourceLists,
  compareQuantities,
  formatQuantity,
  maskResourceList,
  parseResourceList,
  resourceListJson,
  resourceListsEqual,
  type ResourceList,
} from '../resources/quantity.ts';
import { o } from '../resources/values.ts';
import { ApiError, forbidden } from '../rest/status.ts';
import type { KubeObject } from '../types.ts';
import type { AdmissionObjects, AdmissionTarget } from './objects.ts';

/** Attempts at charging the quotas when other writers keep changing them (kube-apiserver tries 3 times). */
const CHARGE_ATTEMPTS_MAX = 8;

/** One quota's new usage, to be written if the object is admitted. */
interface Charge {
  quota: KubeObject;
  used: ResourceList;
}

/** quota.prettyPrint: `name=value` pairs, sorted by name, comma-joined. */
function pretty(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((n) => `${n}=${formatQuantity(list.get(n)!)}`)
    .join(',');
}

/** The quotas' new usage with `obj` admitted, or the Forbidden error that refuses it (CheckRequest). */
export function chargeQuotas(target: AdmissionTarget, evaluator: QuotaEvaluator, obj: KubeObject, quotas: readonly KubeObject[], nowMs: number): Charge[] {
  const name = obj.metadata?.name ?? '';
  const interesting: KubeObject[] = [];
  for (const quota of quotas) {
    if (!quotaMatches(quota, evaluator, obj)) continue;
    const quotaName = quota.metadata?.name ?? '';
    const status = o(quota.status);
    const restricted = evaluator.matchingResources(Object.keys(o(status.hard)));
    const missing = evaluator.constraints?.(restricted, obj);
    if (missing !== undefined) throw forbidden(target, name, `failed quota: ${quotaName}: ${missing}`);
    const used = o(status.used);
    if (restricted.some((r) => !(r in used))) throw forbidden(target, name, `status unknown for quota: ${quotaName}, resources: ${[...restricted].sort().join(',')}`);
    interesting.push(quota);
  }
  if (interesting.length === 0) return [];
  const usage = evaluator.usage(obj, nowMs);
  const negative = [...usage].filter(([, q]) => q.nanos < 0n).map(([n]) => n);
  if (negative.length > 0) throw forbidden(target, name, `quota usage is negative for resource(s): ${negative.sort().join(',')}`);
  const delta: ResourceList = new Map([...usage].filter(([, q]) => q.nanos !== 0n));
  const charges: Charge[] = [];
  for (const quota of interesting) {
    const status = o(quota.status);
    const hard = parseResourceList(status.hard);
    const used = parseResourceList(status.used);
    const requested = maskResourceList(delta, hard.keys());
    if (requested.size === 0) continue;
    const next = addResourceLists(used, requested);
    const exceeded = [...requested.keys()].filter((n) => compareQuantities(next.get(n)!, hard.get(n)!) > 0);
    if (exceeded.length > 0) {
      throw forbidden(
        target,
        name,
        `exceeded quota: ${quota.metadata?.name ?? ''}, requested: ${pretty(maskResourceList(requested, exceeded))}, used: ${pretty(maskResourceList(used, exceeded))}, limited: ${pretty(maskResourceList(hard, exceeded))}`,
      );
    }
    if (!resourceListsEqual(next, used)) charges.push({ quota, used: next });
  }
  return charges;
}

/** Creates in one namespace are charged one at a time on this apiserver (upstream batches them per namespace). */
const namespaceTurns = new Map<string, Promise<void>>();

async function inTurn(namespace: string, work: () => Promise<void>): Promise<void> {
  const before = namespaceTurns.get(namespace) ?? Promise.resolve();
  const mine = before.then(work);
  const settled = mine.catch(() => {});
  namespaceTurns.set(namespace, settled);
  try {
    await mine;
  } finally {
    if (namespaceTurns.get(namespace) === settled) namespaceTurns.delete(namespace);
  }
}

/** Admits `obj` (being created) against its namespace's quotas, charging them unless it is a dry run. */
export async function admitToQuota(target: AdmissionTarget, obj: KubeObject, objects: AdmissionObjects, dryRun: boolean, nowMs: number): Promise<void> {
  const namespace = obj.metadata?.namespace ?? '';
  if (!target.namespaced || namespace === '') return;
  const first = await objects.list('', 'resourcequotas', namespace);
  if (first === undefined || first.length === 0) return;
  const evaluator = quotaEvaluatorFor(target.group, target.resource);
  await inTurn(namespace, async () => {
    let quotas = (await objects.list('', 'resourcequotas', namespace)) ?? [];
    const charged = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const charges = chargeQuotas(target, evaluator, obj, quotas, nowMs);
      if (dryRun || charges.length === 0) return;
      let conflicted = false;
      for (const { quota, used } of charges) {
        const status = { ...o(quota.status), used: resourceListJson(used) };
        try {
          await objects.writeStatus('', 'resourcequotas', { ...quota, status });
          charged.add(quota.metadata?.name ?? '');
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 409) || attempt >= CHARGE_ATTEMPTS_MAX) throw err;
          conflicted = true;
        }
      }
      if (!conflicted) return;
      // Only the quotas whose write lost a race are looked at again, as upstream does: the others hold the charge.
      quotas = ((await objects.listFresh('', 'resourcequotas', namespace)) ?? []).filter((q) => !charged.has(q.metadata?.name ?? ''));
    }
  });
}
