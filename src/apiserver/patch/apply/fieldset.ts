// Sets of field paths, as server-side apply tracks ownership, and their FieldsV1 encoding in managedFields.
//
// A path is a list of elements in the FieldsV1 spelling: `f:<field>` (struct field or map key), `k:<json>` (the item
// of an associative list with these key fields), `v:<json>` (a value of a set), `i:<n>` (an index). FieldsV1 is
// the trie of the set: each element maps to its children, `{}` for a leaf, and `".": {}` marks an inner node that is
// itself in the set (a list item someone owns, with fields below it).
import { isPlainObject, type JsonMap } from '../values.ts';

export type PathElement = string;
export type FieldPath = readonly PathElement[];

const keyOf = (path: FieldPath): string => JSON.stringify(path);

export class FieldSet {
  // Keyed by the path's JSON, computed once per path: the set operations below reuse the keys, so recording an
  // update (several unions and differences over every manager's set) does not stringify each path again.
  private members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.insert(p);
  }

  private static ofMembers(members: Map<string, FieldPath>): FieldSet {
    const set = new FieldSet();
    set.members = members;
    return set;
  }

  insert(path: FieldPath): void {
    this.members.set(keyOf(path), path);
  }

  has(path: FieldPath): boolean {
    return this.members.has(keyOf(path));
  }

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  paths(): FieldPath[] {
    return [...this.members.values()].sort(comparePaths);
  }

  union(other: FieldSet): FieldSet {
    const members = new Map(this.members);
    for (const [key, path] of other.members) members.set(key, path);
    return FieldSet.ofMembers(members);
  }

  difference(other: FieldSet): FieldSet {
    return this.select((key) => !other.members.has(key));
  }

  intersection(other: FieldSet): FieldSet {
    return this.select((key) => other.members.has(key));
  }

  filter(keep: (path: FieldPath) => boolean): FieldSet {
    return this.select((_key, path) => keep(path));
  }

  private select(keep: (key: string, path: FieldPath) => boolean): FieldSet {
    const members = new Map<string, FieldPath>();
    for (const [key, path] of this.members) if (keep(key, path)) members.set(key, path);
    return FieldSet.ofMembers(members);
  }

  /** Whether a member lies strictly below `path`. */
  hasDescendantOf(path: FieldPath): boolean {
    for (const p of this.members.values()) if (p.length > path.length && path.every((e, i) => p[i] === e)) return true;
    return false;
  }

  toFieldsV1(): JsonMap {
    interface Node {
      member: boolean;
      children: Map<PathElement, Node>;
    }
    const root: Node = { member: false, children: new Map() };
    for (const path of this.members.values()) {
      let node = root;
      for (const element of path) {
        let next = node.children.get(element);
        if (next === undefined) {
          next = { member: false, children: new Map() };
          node.children.set(element, next);
        }
        node = next;
      }
      node.member = true;
    }
    const encode = (node: Node): JsonMap => {
      const out: JsonMap = {};
      if (node.member && node.children.size > 0) out['.'] = {};
      for (const element of [...node.children.keys()].sort(compareElements)) out[element] = encode(node.children.get(element) as Node);
      return out;
    };
    return encode(root);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: PathElement[]): void => {
      if (!isPlainObject(node)) throw new Error(`invalid FieldsV1 at ${pathString(path)}`);
      const entries = Object.entries(node);
      if (entries.length === 0 && path.length > 0) set.insert(path);
      for (const [element, sub] of entries) {
        if (element === '.') set.insert(path);
        else walk(sub, [...path, element]);
      }
    };
    walk(fields, []);
    return set;
  }
}

// Field names sort before keys, keys before values, values before indexes; then by text.
const ELEMENT_RANK: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: PathElement, b: PathElement): number {
  const ra = ELEMENT_RANK[a[0]] ?? 4;
  const rb = ELEMENT_RANK[b[0]] ?? 4;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareElements(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (value: unknown): PathElement => `v:${JSON.stringify(value)}`;
export const indexElement = (index: number): PathElement => `i:${index}`;

/** `k:{...}` with the key fields in name order, as structured-merge-diff serializes them. */
export function keyElement(key: Readonly<Record<string, unknown>>): PathElement {
  const sorted: JsonMap = {};
  for (const name of Object.keys(key).sort()) sorted[name] = key[name];
  return `k:${JSON.stringify(sorted)}`;
}

/** The path as conflict messages print it: `.spec.containers[name="app"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonMap;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
