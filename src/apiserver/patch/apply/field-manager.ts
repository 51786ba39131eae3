// Field ownership on every write, as kube-apiserver's field manager keeps it in metadata.managedFields:
// - Update (create, PUT, merge/JSON/strategic patch): the writer takes the fields it added or changed, other
//   managers lose them, fields that disappeared leave everyone;
// - Apply: the applied configuration is merged into the live object; the applier owns exactly the fields of its
//   configuration; changing a field another manager owns is a conflict unless forced (then ownership moves);
//   fields the applier owned before and no longer applies are removed when no other manager owns them.
import type { KubeObject } from '../../types.ts';
import type { FieldSchema } from '../schema.ts';
import { isPlainObject, PatchError, type JsonMap } from '../values.ts';
import { mergeApplied } from './apply-merge.ts';
import { ApplyConflictError, type FieldConflict } from './conflicts.ts';
import { FieldSet } from './fieldset.ts';
import { capUpdateManagers, decodeManagedFields, encodeManagedFields, sameManager, type ManagerSet, type Operation } from './managed-fields.ts';
import { compareObjects, fieldsOf, innerNodesOf, removePaths } from './object-fields.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const BEFORE_FIRST_APPLY = 'before-first-apply';

export interface FieldManagerContext {
  schema: FieldSchema;
  /** group/version of the objects ("v1", "apps/v1"). */
  apiVersion: string;
  /** With a status subresource the main resource never owns status and `/status` owns nothing else. */
  hasStatus: boolean;
  subresource: string;
  /** RFC 3339 time stamped on the entry of the manager that changed something. */
  now: string;
}

/**
 * Fields a Go zero value already has (struct values, and slices serialized without omitempty): creating an object
 * does not bring these nodes into existence, so its creator does not own them as nodes.
 */
const PRESENT_IN_ZERO_VALUE = new Set(['f:metadata', 'f:spec', 'f:status', 'f:template', 'f:strategy', 'f:updateStrategy', 'f:jobTemplate', 'f:containers']);

/** Server-managed metadata nobody owns (kube-apiserver strips the same paths). */
const UNOWNED_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

function ownable(ctx: FieldManagerContext): (set: FieldSet) => FieldSet {
  return (set) =>
    set.filter((p) => {
      if (p[0] === 'f:apiVersion' || p[0] === 'f:kind') return false;
      if (p[0] === 'f:metadata' && (p.length === 1 || UNOWNED_META.has(p[1].slice(2)))) return false;
      if (!ctx.hasStatus) return true;
      return ctx.subresource === 'status' ? p[0] === 'f:status' : p[0] !== 'f:status';
    });
}

function identity(manager: string, operation: Operation, ctx: FieldManagerContext): Omit<ManagerSet, 'set' | 'time'> {
  return { manager, operation, apiVersion: ctx.apiVersion, subresource: ctx.subresource };
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  if (isPlainObject(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/**
 * The object without managedFields, for reading only: a shallow copy (metadata copied) sharing everything else,
 * where withoutManagedFields deep-copies the whole object on every update (a pod, twice per write).
 */
function viewWithoutManagedFields(obj: KubeObject): KubeObject {
  if (!isPlainObject(obj.metadata) || !('managedFields' in obj.metadata)) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function store(obj: KubeObject, managers: ManagerSet[]): void {
  const entries = encodeManagedFields(capUpdateManagers(managers));
  const meta = (obj.metadata ??= {});
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
}

/**
 * Records an Update by `manager` that turned `live` (undefined on create) into `next`, in `next`'s managedFields.
 * managedFields sent in the request replace the live ones (as in Kubernetes); sent empty or not at all, the live
 * ones are kept.
 */
export function recordUpdate(live: KubeObject | undefined, next: KubeObject, manager: string, ctx: FieldManagerContext): void {
  const requested = ctx.subresource === '' ? decodeManagedFields(next.metadata?.managedFields) : null;
  const managers = requested ?? decodeManagedFields(live?.metadata?.managedFields) ?? [];
  // Both only read (compared and walked); `next` gets its managedFields at the end.
  const before = live === undefined ? {} : viewWithoutManagedFields(live);
  const after = viewWithoutManagedFields(next);
  const { added, modified, removed } = compareObjects(before, after, ctx.schema, ownable(ctx));
  const nodesBefore = innerNodesOf(before, ctx.schema);
  const nodesAfter = innerNodesOf(after, ctx.schema);
  const newNodes = ownable(ctx)(nodesAfter.difference(nodesBefore)).filter((p) => live !== undefined || !PRESENT_IN_ZERO_VALUE.has(p[p.length - 1]));
  const changed = added.union(modified).union(newNodes);
  const gone = removed.union(nodesBefore.difference(nodesAfter));
  for (const m of managers) m.set = m.set.difference(changed).difference(gone);
  if (!changed.isEmpty()) {
    const id = identity(manager, 'Update', ctx);
    let own = managers.find((m) => sameManager(m, id));
    if (own === undefined) {
      own = { ...id, set: new FieldSet() };
      managers.push(own);
    }
    own.set = own.set.union(changed);
    own.time = ctx.now;
  }
  store(next, managers);
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
}

/**
 * The object after `manager` applies `config` to `live` (undefined: create on apply), managedFields included.
 * Throws ApplyConflictError when fields owned by others would change and `force` is off, PatchError on a bad config.
 */
export function applyConfiguration(live: KubeObject | undefined, config: KubeObject, options: ApplyOptions, ctx: FieldManagerContext): KubeObject {
  if (config.metadata?.managedFields !== undefined && config.metadata.managedFields !== null) throw new PatchError('metadata.managedFields must be nil');
  const relevant = ownable(ctx);
  const liveObj = live === undefined ? {} : withoutManagedFields(live);
  const managers = decodeManagedFields(live?.metadata?.managedFields) ?? ownedBeforeFirstApply(live, ctx);
  const id = identity(options.manager, 'Apply', ctx);
  const previous = managers.find((m) => sameManager(m, id));
  const others = managers.filter((m) => m !== previous);
  const applied = relevant(fieldsOf(config, ctx.schema));

  const merged = mergeApplied(liveObj, config, ctx.schema) as KubeObject;
  if (previous !== undefined) {
    const ownedByOthers = others.reduce((acc, m) => acc.union(m.set), new FieldSet());
    const dropped = previous.set.difference(applied).filter((p) => !ownedByOthers.has(p) && !ownedByOthers.hasDescendantOf(p) && !applied.hasDescendantOf(p));
    removePaths(merged as JsonMap, dropped.paths(), ctx.schema);
  }

  const { added, modified, removed } = compareObjects(liveObj, merged, ctx.schema, relevant);
  const changed = added.union(modified);
  let conflicts: FieldConflict[] = [];
  for (const m of others) for (const path of m.set.intersection(changed).paths()) conflicts.push({ manager: m, path });
  if (conflicts.length > 0 && !options.force) {
    conflicts = conflicts.filter((c) => !allowedByLastApplied(live, options.manager, ctx).has(c.path));
    if (conflicts.length > 0) throw new ApplyConflictError(sortConflicts(conflicts));
  }
  for (const m of others) m.set = m.set.difference(changed).difference(removed);

  const unchanged = added.isEmpty() && modified.isEmpty() && removed.isEmpty();
  const entry: ManagerSet = { ...id, set: applied, time: unchanged && previous?.time !== undefined ? previous.time : ctx.now };
  store(merged, [...others, entry]);
  syncLastApplied(live, merged, config, options.manager);
  return merged;
}

/**
 * An object written before fields were tracked: everything it has is owned by `before-first-apply`, so the first
 * apply conflicts where it changes values, as in Kubernetes.
 */
function ownedBeforeFirstApply(live: KubeObject | undefined, ctx: FieldManagerContext): ManagerSet[] {
  if (live === undefined) return [];
  const copy = withoutManagedFields(live);
  recordUpdate(undefined, copy, BEFORE_FIRST_APPLY, { ...ctx, subresource: '' });
  return decodeManagedFields(copy.metadata?.managedFields) ?? [];
}

/**
 * kubectl's upgrade path from client-side apply: for the manager "kubectl", fields in the last-applied annotation
 * may be taken over from other managers without forcing (kube-apiserver does the same).
 */
function allowedByLastApplied(live: KubeObject | undefined, manager: string, ctx: FieldManagerContext): FieldSet {
  const text = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (manager !== 'kubectl' || typeof text !== 'string') return new FieldSet();
  try {
    return ownable(ctx)(fieldsOf(JSON.parse(text), ctx.schema));
  } catch {
    return new FieldSet();
  }
}

/** Server-side apply by "kubectl" keeps an existing last-applied annotation current, so client-side apply still works. */
function syncLastApplied(live: KubeObject | undefined, merged: KubeObject, config: KubeObject, manager: string): void {
  if (manager !== 'kubectl' || typeof live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION] !== 'string') return;
  const lastApplied = structuredClone(config);
  const annotations = lastApplied.metadata?.annotations;
  if (annotations !== undefined) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete lastApplied.metadata?.annotations;
  }
  const meta = (merged.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: JSON.stringify(lastApplied) };
}

function sortConflicts(conflicts: FieldConflict[]): FieldConflict[] {
  const key = (c: FieldConflict) => `${c.manager.manager}\u0000${c.manager.operation}\u0000${c.manager.subresource}`;
  return conflicts.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
