// Strategic merge patch, Kubernetes' JSON merge patch with list semantics from the type's schema (merge-keys.ts):
// - maps merge recursively; null deletes a key; `$patch: replace` replaces the map, `$patch: delete` removes it;
//   `$retainKeys: [...]` clears every key of the original not listed (union types, e.g. a deployment's strategy);
// - lists with a merge key merge item by item; `{<key>: k, $patch: delete}` removes k; an item `{$patch: replace}`
//   makes the patch list replace the whole list;
// - lists of primitives with the merge strategy are unions; `$deleteFromPrimitiveList/<field>` removes values;
// - other lists are replaced;
// - order: items named by the patch (or by `$setElementOrder/<field>`) follow the patch's order, the others keep
//   their place relative to them as in the original list (the order Kubernetes' own implementation yields).
import { child, type FieldSchema, type ListSchema } from './schema.ts';
import { deepEqual, isPlainObject, PatchError, withoutDirectives, type JsonMap } from './values.ts';

const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const RETAIN_KEYS = '$retainKeys';

export function applyStrategicMergePatch(target: unknown, patch: unknown, schema: FieldSchema = {}): unknown {
  if (!isPlainObject(patch)) throw new PatchError('strategic merge patch must be a JSON object');
  if (patch.$patch === 'delete') return {};
  return mergeMap(isPlainObject(target) ? target : {}, patch, schema);
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: FieldSchema | undefined): JsonMap {
  switch (patch.$patch) {
    case undefined:
    case 'merge':
      break;
    case 'replace':
      return withoutDirectives(patch) as JsonMap;
    default:
      throw new PatchError(`Unknown patch type: ${String(patch.$patch)} in map: ${JSON.stringify(patch)}`);
  }
  const out: JsonMap = { ...original };
  if (RETAIN_KEYS in patch) {
    const keep = patch[RETAIN_KEYS];
    if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) throw new PatchError(`invalid patch: ${RETAIN_KEYS} must be a list of strings`);
    for (const key of Object.keys(out)) if (!keep.includes(key)) delete out[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
    if (!Array.isArray(value)) throw new PatchError(`invalid patch: ${key} must be a list`);
    const current = out[field];
    if (Array.isArray(current)) out[field] = current.filter((v) => !value.some((d) => deepEqual(d, v)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value)) {
      if (value.$patch === 'delete') delete out[key];
      else out[key] = mergeMap(isPlainObject(out[key]) ? out[key] : {}, value, child(schema, key));
    } else if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(out[key]) ? out[key] : [], value, child(schema, key)?.list);
    } else {
      out[key] = value;
    }
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const field = key.slice(SET_ELEMENT_ORDER.length);
    if (!Array.isArray(order)) throw new PatchError(`invalid patch: ${key} must be a list`);
    const merged = out[field];
    const list = child(schema, field)?.list;
    if (!Array.isArray(merged) || list === undefined || list.smpMergeKey === null) continue;
    const before = original[field];
    out[field] = normalizeOrder(merged, order, Array.isArray(before) ? before : [], identity(list.smpMergeKey));
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], list: ListSchema | undefined): unknown[] {
  if (list === undefined || list.smpMergeKey === null) return withoutDirectives(patch) as unknown[];
  if (list.smpMergeKey === '') {
    const merged: unknown[] = [];
    for (const v of [...original, ...patch]) if (!merged.some((m) => deepEqual(m, v))) merged.push(v);
    return normalizeOrder(merged, patch, original, identity(''));
  }
  const key = list.smpMergeKey;
  if (patch.some((e) => isPlainObject(e) && e.$patch === 'replace')) return withoutDirectives(patch) as unknown[];
  let merged = [...original];
  const updates: JsonMap[] = [];
  for (const element of patch) {
    if (!isPlainObject(element)) throw new PatchError(`unable to merge a list of maps with ${JSON.stringify(element)}: the list is merged by ${key}`);
    if (element.$patch === 'delete') {
      if (!(key in element)) throw new PatchError('delete patch type with no merge key defined');
      merged = merged.filter((o) => !(isPlainObject(o) && deepEqual(o[key], element[key])));
      continue;
    }
    if (!(key in element)) throw new PatchError(`map: ${JSON.stringify(element)} does not contain declared merge key: ${key}`);
    updates.push(element);
  }
  for (const element of updates) {
    const index = merged.findIndex((o) => isPlainObject(o) && deepEqual(o[key], element[key]));
    if (index >= 0) merged[index] = mergeMap(merged[index] as JsonMap, element, list.item);
    else merged.push(mergeMap({}, element, list.item));
  }
  return normalizeOrder(merged, updates, original, identity(key));
}

/** How two list items are recognised as the same: by merge key, or by value for primitives. */
function identity(key: string): (item: unknown) => string {
  return key === '' ? (item) => JSON.stringify(item) : (item) => JSON.stringify(isPlainObject(item) ? item[key] : item);
}

/**
 * Orders a merged list: the items named in `patchOrder` in that order, merged with the remaining ("server-only")
 * items kept in their original order; where both an item of each side are in the original list, the original
 * order decides, otherwise the patch's item comes first.
 */
function normalizeOrder(merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], id: (item: unknown) => string): unknown[] {
  const patchIds = patchOrder.map(id);
  const serverIds = serverOrder.map(id);
  const named = merged.filter((m) => patchIds.includes(id(m))).sort((a, b) => patchIds.indexOf(id(a)) - patchIds.indexOf(id(b)));
  const serverOnly = merged.filter((m) => !patchIds.includes(id(m))).sort((a, b) => serverIds.indexOf(id(a)) - serverIds.indexOf(id(b)));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < named.length || j < serverOnly.length) {
    if (i >= named.length) out.push(serverOnly[j++]);
    else if (j >= serverOnly.length) out.push(named[i++]);
    else {
      const li = serverIds.indexOf(id(named[i]));
      const ri = serverIds.indexOf(id(serverOnly[j]));
      if (li >= 0 && ri >= 0 && ri < li) out.push(serverOnly[j++]);
      else out.push(named[i++]);
    }
  }
  return out;
}
