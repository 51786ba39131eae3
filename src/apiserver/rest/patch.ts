// The three patch formats kubectl and client libraries send: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch (Kubernetes' own; the subset described at applyStrategicMergePatch).
import { isPlainObject } from '../types.ts';

export class PatchError extends Error {}

export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;
export type PatchType = (typeof PATCH_CONTENT_TYPES)[number];

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'application/merge-patch+json':
      return applyMergePatch(target, patch);
    case 'application/json-patch+json':
      return applyJsonPatch(target, patch);
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(target, patch);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 7386

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 6902

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const raw of patch as JsonPatchOp[]) {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new PatchError('invalid JSON patch operation');
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, parsePointer(raw.path), structuredClone(requireValue(raw)));
        break;
      case 'remove':
        doc = removeAt(doc, parsePointer(raw.path)).doc;
        break;
      case 'replace': {
        const tokens = parsePointer(raw.path);
        getAt(doc, tokens, raw.path);
        doc = tokens.length === 0 ? structuredClone(requireValue(raw)) : addAt(removeAt(doc, tokens).doc, tokens, structuredClone(requireValue(raw)));
        break;
      }
      case 'move': {
        const from = parsePointer(requireFrom(raw));
        const removed = removeAt(doc, from);
        doc = addAt(removed.doc, parsePointer(raw.path), removed.value);
        break;
      }
      case 'copy':
        doc = addAt(doc, parsePointer(raw.path), structuredClone(getAt(doc, parsePointer(requireFrom(raw)), requireFrom(raw))));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, parsePointer(raw.path), raw.path)) !== JSON.stringify(raw.value)) {
          throw new PatchError(`testing value ${raw.path} failed: test failed`);
        }
        break;
      default:
        throw new PatchError(`Unexpected kind: ${raw.op}`);
    }
  }
  return doc;
}

function requireValue(op: JsonPatchOp): unknown {
  if (!('value' in op)) throw new PatchError(`missing value for ${op.op} operation`);
  return op.value;
}

function requireFrom(op: JsonPatchOp): string {
  if (typeof op.from !== 'string') throw new PatchError(`missing from for ${op.op} operation`);
  return op.from;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, tokens: string[], pointer: string): unknown {
  let node = doc;
  for (const t of tokens) {
    if (Array.isArray(node)) node = node[arrayIndex(t, node.length - 1)];
    else if (isPlainObject(node) && Object.hasOwn(node, t)) node = node[t];
    else throw new PatchError(`doc is missing path: "${pointer}": missing value`);
  }
  return node;
}

function arrayIndex(token: string, max: number): number {
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`invalid array index: ${token}`);
  const i = Number(token);
  if (i > max) throw new PatchError(`array index out of bounds: ${token}`);
  return i;
}

function addAt(doc: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const parent = getAt(doc, tokens.slice(0, -1), `/${tokens.slice(0, -1).join('/')}`);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : arrayIndex(last, parent.length);
    parent.splice(i, 0, value);
  } else if (isPlainObject(parent)) {
    parent[last] = value;
  } else {
    throw new PatchError(`doc is missing path: "/${tokens.join('/')}"`);
  }
  return doc;
}

function removeAt(doc: unknown, tokens: string[]): { doc: unknown; value: unknown } {
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const parent = getAt(doc, tokens.slice(0, -1), `/${tokens.slice(0, -1).join('/')}`);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length - 1);
    return { doc, value: parent.splice(i, 1)[0] };
  }
  if (isPlainObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last];
    delete parent[last];
    return { doc, value };
  }
  throw new PatchError(`Unable to remove nonexistent key: ${last}: missing value`);
}

// ---------------------------------------------------------------------------------------------------------------
// Strategic merge patch (subset)
//
// - maps merge recursively; a null value deletes the key; `$patch: replace` in a map replaces it, `$patch: delete`
//   removes it;
// - lists with a merge key (below) merge element by element on that key; an element `{<key>: k, $patch: delete}`
//   removes k; `$patch: replace` as an element replaces the whole list; other lists are replaced;
// - primitive lists with the merge strategy (finalizers) are unions; `$deleteFromPrimitiveList/<field>` removes;
// - `$setElementOrder/<field>` and `$retainKeys` are accepted and ignored (order follows the original list, new
//   elements are appended).
// Merge keys by field path suffix, as declared in Kubernetes' types (patchMergeKey).

const MERGE_KEYS: ReadonlyArray<[suffix: string, key: string]> = [
  ['containers.ports', 'containerPort'],
  ['initContainers.ports', 'containerPort'],
  ['ephemeralContainers.ports', 'containerPort'],
  ['containers.env', 'name'],
  ['initContainers.env', 'name'],
  ['containers.volumeMounts', 'mountPath'],
  ['initContainers.volumeMounts', 'mountPath'],
  ['containers.volumeDevices', 'devicePath'],
  ['containers.resizePolicy', 'resourceName'],
  ['spec.containers', 'name'],
  ['spec.initContainers', 'name'],
  ['spec.ephemeralContainers', 'name'],
  ['spec.volumes', 'name'],
  ['spec.imagePullSecrets', 'name'],
  ['spec.hostAliases', 'ip'],
  ['spec.ports', 'port'],
  ['status.conditions', 'type'],
  ['metadata.ownerReferences', 'uid'],
  ['subsets.addresses', 'ip'],
];
const MERGED_PRIMITIVE_LISTS = new Set(['metadata.finalizers']);

function mergeKeyFor(path: string): string | undefined {
  for (const [suffix, key] of MERGE_KEYS) if (path === suffix || path.endsWith(`.${suffix}`)) return key;
  return undefined;
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw new PatchError('strategic merge patch must be a JSON object');
  return mergeMap(isPlainObject(target) ? target : {}, patch, '');
}

function mergeMap(original: Record<string, unknown>, patch: Record<string, unknown>, path: string): Record<string, unknown> {
  const directive = patch.$patch;
  if (directive === 'replace') return stripDirectives(patch) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...original };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value)) out[field] = current.filter((v) => !value.some((d) => deepEqual(d, v)));
      continue;
    }
    const childPath = path === '' ? key : `${path}.${key}`;
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value)) {
      if (value.$patch === 'delete') delete out[key];
      else out[key] = mergeMap(isPlainObject(out[key]) ? (out[key] as Record<string, unknown>) : {}, value, childPath);
    } else if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value, childPath);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], path: string): unknown[] {
  if (patch.some((e) => isPlainObject(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isPlainObject(e) && e.$patch === 'replace')).map(stripDirectives);
  }
  if (MERGED_PRIMITIVE_LISTS.has(path)) {
    const out = [...original];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(v);
    return out;
  }
  const key = mergeKeyFor(path);
  if (key === undefined) return patch.map(stripDirectives);
  const out = original.map((e) => e);
  for (const element of patch) {
    if (!isPlainObject(element)) {
      out.push(element);
      continue;
    }
    const index = out.findIndex((o) => isPlainObject(o) && deepEqual(o[key], element[key]));
    if (element.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = mergeMap(out[index] as Record<string, unknown>, element, path);
    } else {
      out.push(stripDirectives(element));
    }
  }
  return out;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
