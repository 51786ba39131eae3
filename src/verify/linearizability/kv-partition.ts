// P-compositionality for the KV model: ops that share no key and no lease touch disjoint state, so each
// connected group (union–find over keys and leases) is checked on its own.

import { resourcesOf, type KvOperation } from './kv-types.ts';

export function partitionByResources(ops: readonly KvOperation[]): number[][] {
  const parent: number[] = [];
  const ids = new Map<string, number>();
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  const idOf = (r: string): number => {
    let id = ids.get(r);
    if (id === undefined) {
      id = parent.length;
      parent.push(id);
      ids.set(r, id);
    }
    return id;
  };
  const firstResource = ops.map((op) => {
    const rs = resourcesOf(op.input).map(idOf);
    for (const r of rs.slice(1)) parent[find(r)] = find(rs[0]);
    return rs[0];
  });
  const groups = new Map<number, number[]>();
  ops.forEach((_, i) => {
    const root = find(firstResource[i]);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()];
}
