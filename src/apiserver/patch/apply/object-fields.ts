// An object seen as field paths through its schema: the set of paths it sets (what a manager owns when it applies
// it), the value at a path, removing paths, and the difference between two versions of an object.
import { child, type FieldSchema, type ListSchema, type SsaListType } from '../schema.ts';
import { deepEqual, isPlainObject, type JsonMap } from '../values.ts';
import { fieldElement, FieldSet, indexElement, keyElement, valueElement, type FieldPath, type PathElement } from './fieldset.ts';

/**
 * The paths an object sets: scalars, nulls, empty maps, atomic values, each item of an associative list (`k:`) and
 * each value of a set (`v:`). Non-empty maps are not members themselves, only what is under them.
 */
export function fieldsOf(value: unknown, schema: FieldSchema | undefined): FieldSet {
  const set = new FieldSet();
  walkValue(value, schema, [], set);
  return set;
}

function walkValue(value: unknown, schema: FieldSchema | undefined, path: FieldPath, set: FieldSet): void {
  if (schema?.atomic === true) set.insert(path);
  else if (Array.isArray(value)) walkList(value, schema?.list, path, set);
  else if (isPlainObject(value)) walkMap(value, schema, path, set);
  else if (path.length > 0) set.insert(path);
}

function walkMap(map: JsonMap, schema: FieldSchema | undefined, path: FieldPath, set: FieldSet): void {
  for (const [key, value] of Object.entries(map)) {
    const p = [...path, fieldElement(key)];
    if (value === null || (isPlainObject(value) && Object.keys(value).length === 0)) set.insert(p);
    else walkValue(value, child(schema, key), p, set);
  }
}

function walkList(list: unknown[], schema: ListSchema | undefined, path: FieldPath, set: FieldSet): void {
  const ssa = schema?.ssa ?? { type: 'atomic' };
  if (ssa.type === 'atomic') {
    set.insert(path);
    return;
  }
  list.forEach((item, index) => {
    const p = [...path, itemElement(item, ssa, index)];
    set.insert(p);
    if (ssa.type === 'map' && isPlainObject(item)) walkMap(item, schema?.item, p, set);
  });
}

/** How an item of a non-atomic list is named in a path. */
export function itemElement(item: unknown, ssa: SsaListType, index: number): PathElement {
  if (ssa.type === 'set') return valueElement(item);
  if (ssa.type !== 'map' || !isPlainObject(item)) return indexElement(index);
  const key: JsonMap = {};
  for (const name of ssa.keys) {
    const v = item[name] ?? ssa.keyDefaults?.[name];
    if (v !== undefined) key[name] = v;
  }
  return Object.keys(key).length === 0 ? indexElement(index) : keyElement(key);
}

interface Located {
  found: boolean;
  value?: unknown;
}

/** The value at `path`, following list items by key or value. */
export function valueAt(root: unknown, path: FieldPath, schema: FieldSchema | undefined): Located {
  let node = root;
  let s = schema;
  for (const element of path) {
    if (element.startsWith('f:')) {
      const name = element.slice(2);
      if (!isPlainObject(node) || !Object.hasOwn(node, name)) return { found: false };
      node = node[name];
      s = child(s, name);
      continue;
    }
    if (!Array.isArray(node)) return { found: false };
    const list = s?.list;
    const index = node.findIndex((item, i) => itemElement(item, list?.ssa ?? { type: 'atomic' }, i) === element);
    if (index < 0) return { found: false };
    node = node[index];
    s = list?.item;
  }
  return { found: true, value: node };
}

/** Removes each path that is present; later paths see earlier removals. */
export function removePaths(root: JsonMap, paths: readonly FieldPath[], schema: FieldSchema | undefined): void {
  for (const path of [...paths].sort((a, b) => b.length - a.length)) {
    if (path.length === 0) continue;
    const parentPath = path.slice(0, -1);
    const parent = valueAt(root, parentPath, schema);
    if (!parent.found) continue;
    const last = path[path.length - 1];
    if (last.startsWith('f:') && isPlainObject(parent.value)) {
      delete parent.value[last.slice(2)];
    } else if (Array.isArray(parent.value)) {
      const list = listSchemaAt(parentPath, schema);
      const index = parent.value.findIndex((item, i) => itemElement(item, list?.ssa ?? { type: 'atomic' }, i) === last);
      if (index >= 0) parent.value.splice(index, 1);
    }
  }
}

function listSchemaAt(path: FieldPath, schema: FieldSchema | undefined): ListSchema | undefined {
  let s = schema;
  for (const element of path) s = element.startsWith('f:') ? child(s, element.slice(2)) : s?.list?.item;
  return s?.list;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `before` to `after`, over the paths of `fieldsOf`. List items are added or removed, never modified. */
export function compareObjects(before: unknown, after: unknown, schema: FieldSchema | undefined, relevant: (set: FieldSet) => FieldSet = (s) => s): Comparison {
  const oldSet = relevant(fieldsOf(before, schema));
  const newSet = relevant(fieldsOf(after, schema));
  const modified = newSet.intersection(oldSet).filter((p) => {
    const last = p[p.length - 1];
    if (last.startsWith('k:') || last.startsWith('v:')) return false;
    return !deepEqual(valueAt(before, p, schema).value, valueAt(after, p, schema).value);
  });
  return { added: newSet.difference(oldSet), modified, removed: oldSet.difference(newSet) };
}

/**
 * The inner nodes of an object: non-empty maps and non-atomic lists (not list items, which are members anyway).
 * An Update that brings one into existence owns the node itself too (`".": {}` in FieldsV1), as Kubernetes records.
 */
export function innerNodesOf(value: unknown, schema: FieldSchema | undefined): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, s: FieldSchema | undefined, path: FieldPath, isItem: boolean): void => {
    if (s?.atomic === true) return;
    if (isPlainObject(v)) {
      if (Object.keys(v).length === 0) return;
      if (path.length > 0 && !isItem) set.insert(path);
      for (const [key, sub] of Object.entries(v)) walk(sub, child(s, key), [...path, fieldElement(key)], false);
    } else if (Array.isArray(v)) {
      const ssa = s?.list?.ssa ?? { type: 'atomic' };
      if (ssa.type === 'atomic' || v.length === 0) return;
      set.insert(path);
      v.forEach((item, i) => walk(item, s?.list?.item, [...path, itemElement(item, ssa, i)], true));
    }
  };
  walk(value, schema, [], false);
  return set;
}
