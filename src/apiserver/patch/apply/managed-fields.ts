// metadata.managedFields: one entry per manager identity (manager, operation, apiVersion, subresource), each with
// the set of fields it owns in FieldsV1 form, the time of its last change, in Kubernetes' order.
import { isPlainObject, type JsonMap } from '../values.ts';
import { FieldSet } from './fieldset.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonMap;
  subresource?: string;
}

export interface ManagerSet {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  time?: string;
  set: FieldSet;
}

export function sameManager(a: Omit<ManagerSet, 'set' | 'time'>, b: Omit<ManagerSet, 'set' | 'time'>): boolean {
  return a.manager === b.manager && a.operation === b.operation && a.apiVersion === b.apiVersion && a.subresource === b.subresource;
}

/** The entries of `metadata.managedFields`; null when absent, empty or not decodable. */
export function decodeManagedFields(value: unknown): ManagerSet[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const out: ManagerSet[] = [];
  for (const entry of value) {
    if (!isPlainObject(entry)) return null;
    const { manager, operation, apiVersion, time, fieldsV1, subresource } = entry;
    if (typeof manager !== 'string' || (operation !== 'Apply' && operation !== 'Update') || typeof apiVersion !== 'string') return null;
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(fieldsV1 ?? {});
    } catch {
      return null;
    }
    out.push({ manager, operation, apiVersion, subresource: typeof subresource === 'string' ? subresource : '', time: typeof time === 'string' ? time : undefined, set });
  }
  return out;
}

/** Entries with fields, sorted as kube-apiserver sorts them: operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: readonly ManagerSet[]): ManagedFieldsEntry[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return managers
    .filter((m) => !m.set.isEmpty())
    .sort(
      (a, b) =>
        cmp(a.operation, b.operation) ||
        cmp(a.time ?? '', b.time ?? '') ||
        cmp(a.manager, b.manager) ||
        cmp(a.apiVersion, b.apiVersion) ||
        cmp(a.subresource, b.subresource),
    )
    .map((m) => {
      // Key order as kube-apiserver writes it: manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource.
      const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, ...(m.time === undefined ? {} : { time: m.time }), fieldsType: 'FieldsV1', fieldsV1: m.set.toFieldsV1() };
      if (m.subresource !== '') entry.subresource = m.subresource;
      return entry;
    });
}

/** At most this many Update entries are kept; older ones are folded into one per apiVersion, as kube-apiserver does. */
export const UPDATE_MANAGERS_MAX = 10;
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/** Folds the oldest Update entries into `ancient-changes` (one per apiVersion) until at most the cap remain. */
export function capUpdateManagers(managers: ManagerSet[]): ManagerSet[] {
  const updaters = managers.filter((m) => m.operation === 'Update' && !m.set.isEmpty());
  if (updaters.length <= UPDATE_MANAGERS_MAX) return managers;
  updaters.sort((a, b) => ((a.time ?? '') < (b.time ?? '') ? -1 : (a.time ?? '') > (b.time ?? '') ? 1 : a.manager < b.manager ? -1 : 1));
  const folded = new Set<ManagerSet>();
  const buckets = new Map<string, ManagerSet>();
  let remaining = updaters.length;
  for (const m of updaters) {
    if (remaining <= UPDATE_MANAGERS_MAX) break;
    let bucket = buckets.get(m.apiVersion) ?? managers.find((b) => b.manager === ANCIENT_CHANGES_MANAGER && b.operation === 'Update' && b.apiVersion === m.apiVersion && b.subresource === '');
    if (bucket === m) continue;
    if (bucket === undefined) {
      bucket = { manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: m.apiVersion, subresource: '', set: new FieldSet() };
      remaining++;
    }
    bucket.set = bucket.set.union(m.set);
    bucket.time = m.time;
    buckets.set(m.apiVersion, bucket);
    folded.add(m);
    remaining--;
  }
  const kept = managers.filter((m) => !folded.has(m));
  for (const bucket of buckets.values()) if (!kept.includes(bucket)) kept.push(bucket);
  return kept;
}

/** What kube-apiserver calls a manager that did not name itself: the user agent up to its first '/'. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').split('/')[0].slice(0, 128);
}
