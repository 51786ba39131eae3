import { describe, expect, it } from 'vitest';
import { ApiError, conflict } from '../rest/status.ts';
import type { KubeObject } from '../types.ts';
import { mutateCreate, validateCreate, validateUpdate, type AdmissionObjects } from './index.ts';

const PODS = { group: '', resource: 'pods', namespaced: true };
const CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses', namespaced: false };
const CONFIGMAPS = { group: '', resource: 'configmaps', namespaced: true };

/** An in-memory stand-in for the registries: objects by "group/resource", status writes checked by resourceVersion. */
function fakeObjects(initial: Record<string, KubeObject[]>, options: { conflictsBeforeWrite?: number } = {}) {
  const store = new Map(Object.entries(initial).map(([k, v]) => [k, structuredClone(v)]));
  let conflicts = options.conflictsBeforeWrite ?? 0;
  const writes: KubeObject[] = [];
  const inNamespace = (k: string, namespace: string) => store.get(k)?.filter((o) => namespace === '' || o.metadata?.namespace === namespace);
  const objects: AdmissionObjects = {
    list: async (g, r, ns) => structuredClone(inNamespace(`${g}/${r}`, ns)),
    listFresh: async (g, r, ns) => structuredClone(inNamespace(`${g}/${r}`, ns)),
    get: async (g, r, _ns, name) => {
      const list = store.get(`${g}/${r}`);
      return list === undefined ? undefined : structuredClone(list.find((o) => o.metadata?.name === name) ?? null);
    },
    writeStatus: async (g, r, obj) => {
      const list = store.get(`${g}/${r}`)!;
      const i = list.findIndex((o) => o.metadata?.name === obj.metadata?.name);
      if (conflicts > 0 || list[i].metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        conflicts--;
        // Someone else wrote meanwhile: the stored copy moves on.
        list[i] = { ...list[i], metadata: { ...list[i].metadata, resourceVersion: String(Number(list[i].metadata?.resourceVersion) + 1) } };
        throw conflict({ group: g, resource: r }, obj.metadata?.name ?? '');
      }
      list[i] = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(Number(obj.metadata?.resourceVersion) + 1) } };
      writes.push(list[i]);
      return list[i];
    },
  };
  return { objects, writes, store };
}

const pc = (name: string, value: number, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority', ...extra });
const newPod = (spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'web', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
const refusal = async (p: Promise<unknown>): Promise<{ code: number; message: string }> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('admitted');
};

describe('Priority admission', () => {
  const classes = [pc('system-node-critical', 2000001000), pc('high', 1000, { preemptionPolicy: 'Never' })];

  it('gives a pod its class priority and preemption policy', async () => {
    const { objects } = fakeObjects({ 'scheduling.k8s.io/priorityclasses': classes });
    const p = newPod({ priorityClassName: 'high' });
    await mutateCreate(PODS, p, objects);
    expect(p.spec).toMatchObject({ priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' });
  });

  it('gives a pod without a class the global default, else 0', async () => {
    const none = newPod();
    await mutateCreate(PODS, none, fakeObjects({ 'scheduling.k8s.io/priorityclasses': classes }).objects);
    expect(none.spec).toMatchObject({ priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect((none.spec as Record<string, unknown>).priorityClassName).toBeUndefined();
    const withDefault = newPod();
    await mutateCreate(PODS, withDefault, fakeObjects({ 'scheduling.k8s.io/priorityclasses': [...classes, pc('low', 10, { globalDefault: true }), pc('lower', 5, { globalDefault: true })] }).objects);
    expect(withDefault.spec).toMatchObject({ priorityClassName: 'lower', priority: 5 });
  });

  it('refuses an unknown class and a priority the pod sets itself, in kube-apiserver\'s words', async () => {
    const { objects } = fakeObjects({ 'scheduling.k8s.io/priorityclasses': classes });
    expect(await refusal(mutateCreate(PODS, newPod({ priorityClassName: 'foo' }), objects))).toEqual({ code: 403, message: 'pods "web" is forbidden: no PriorityClass with name foo was found' });
    expect(await refusal(mutateCreate(PODS, newPod({ priorityClassName: 'high', priority: 7 }), objects))).toEqual({
      code: 403,
      message: 'pods "web" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    });
    const same = newPod({ priorityClassName: 'high', priority: 1000 });
    await mutateCreate(PODS, same, objects);
    expect(same.spec).toMatchObject({ priority: 1000 });
  });

  it('keeps a second global default out, on create and on update', async () => {
    const { objects } = fakeObjects({ 'scheduling.k8s.io/priorityclasses': [...classes, pc('low', 10, { globalDefault: true })] });
    expect(await refusal(validateCreate(CLASSES, pc('other', 1, { globalDefault: true }), objects, false))).toEqual({
      code: 403,
      message: 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist',
    });
    expect((await refusal(validateUpdate(CLASSES, pc('high', 1000, { globalDefault: true }), objects))).code).toBe(403);
    await validateUpdate(CLASSES, pc('low', 10, { globalDefault: true, description: 'still the default' }), objects);
  });
});

describe('ResourceQuota admission', () => {
  const quota = (name: string, hard: Record<string, string>, used: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject => ({
    metadata: { name, namespace: 'ns', resourceVersion: '10' },
    spec: { hard, ...spec },
    status: { hard, used },
  });

  it('charges the quota before the create, and refuses what would exceed it', async () => {
    const { objects, writes } = fakeObjects({ '/resourcequotas': [quota('q', { pods: '2', 'requests.cpu': '1' }, { pods: '1', 'requests.cpu': '500m' })] });
    await validateCreate(PODS, newPod({ containers: [{ name: 'c', resources: { requests: { cpu: '250m' } } }] }), objects, false);
    expect(writes.map((w) => w.status)).toEqual([{ hard: { pods: '2', 'requests.cpu': '1' }, used: { pods: '2', 'requests.cpu': '750m' } }]);
    expect(await refusal(validateCreate(PODS, newPod({ containers: [{ name: 'c', resources: { requests: { cpu: '250m' } } }] }), objects, false))).toEqual({
      code: 403,
      message: 'pods "web" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    });
  });

  it('refuses a pod lacking what a quota constrains, and a quota without usage yet', async () => {
    const constrained = fakeObjects({ '/resourcequotas': [quota('compute', { 'limits.cpu': '2', 'limits.memory': '1Gi' }, { 'limits.cpu': '0', 'limits.memory': '0' })] });
    expect((await refusal(validateCreate(PODS, newPod(), constrained.objects, false))).message).toBe('pods "web" is forbidden: failed quota: compute: must specify limits.cpu for: c; limits.memory for: c');
    const unknown = fakeObjects({ '/resourcequotas': [quota('fresh', { pods: '2', configmaps: '1' }, {})] });
    expect((await refusal(validateCreate(PODS, newPod(), unknown.objects, false))).message).toBe('pods "web" is forbidden: status unknown for quota: fresh, resources: pods');
  });

  it('counts other kinds by count/ and legacy names; a dry run writes nothing; a lost race is tried again', async () => {
    const cm: KubeObject = { metadata: { name: 'cfg', namespace: 'ns' } };
    const full = fakeObjects({ '/resourcequotas': [quota('objects', { configmaps: '1' }, { configmaps: '1' })] });
    expect((await refusal(validateCreate(CONFIGMAPS, cm, full.objects, false))).message).toBe('configmaps "cfg" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');
    const room = fakeObjects({ '/resourcequotas': [quota('objects', { 'count/configmaps': '5' }, { 'count/configmaps': '1' })] }, { conflictsBeforeWrite: 2 });
    await validateCreate(CONFIGMAPS, cm, room.objects, true);
    expect(room.writes).toEqual([]);
    await validateCreate(CONFIGMAPS, cm, room.objects, false);
    expect(room.writes.map((w) => w.status)).toEqual([{ hard: { 'count/configmaps': '5' }, used: { 'count/configmaps': '2' } }]);
    // Not in any quota's scope, or not counted at all: admitted without a write.
    const scoped = fakeObjects({ '/resourcequotas': [quota('best', { pods: '0' }, { pods: '0' }, { scopes: ['NotBestEffort'] })] });
    await validateCreate(PODS, newPod(), scoped.objects, false);
    expect(scoped.writes).toEqual([]);
  });
});
