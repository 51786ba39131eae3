// JSON patch (RFC 6902): add, remove, replace, move, copy and test on JSON pointers (RFC 6901).
import { isPlainObject, PatchError } from './values.ts';

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

