// Merging an applied configuration into the live object, by the schema's list types: structs and maps merge,
// associative lists (`listType=map`) merge item by item on their keys, sets are unions, atomic values are replaced.
// Items the configuration names follow its order; items only the live object has keep their place among them.
import { child, type FieldSchema, type ListSchema } from '../schema.ts';
import { isPlainObject, type JsonMap } from '../values.ts';
import { itemElement } from './object-fields.ts';

export function mergeApplied(live: unknown, config: unknown, schema: FieldSchema | undefined): unknown {
  if (schema?.atomic === true) return structuredClone(config);
  if (isPlainObject(config)) {
    const out: JsonMap = isPlainObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(config)) {
      if (value === null) delete out[key];
      else out[key] = mergeApplied(out[key], value, child(schema, key));
    }
    return out;
  }
  if (Array.isArray(config)) return mergeList(Array.isArray(live) ? live : [], config, schema?.list);
  return config;
}

function mergeList(live: unknown[], config: unknown[], list: ListSchema | undefined): unknown[] {
  const ssa = list?.ssa;
  if (ssa === undefined || ssa.type === 'atomic') return structuredClone(config);
  const idsOf = (items: unknown[]) => items.map((item, i) => itemElement(item, ssa, i));
  const liveIds = idsOf(live);
  const configIds = idsOf(config);
  const inConfig = new Set(configIds);
  const done = new Set<string>();
  const mergeItem = (liveItem: unknown, configItem: unknown) => (ssa.type === 'map' ? mergeApplied(liveItem, configItem, list?.item) : configItem);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < live.length || j < config.length) {
    if (i < live.length && j < config.length && liveIds[i] === configIds[j]) {
      out.push(mergeItem(live[i], config[j]));
      done.add(configIds[j]);
      i++;
      j++;
    } else if (i < live.length && !inConfig.has(liveIds[i])) {
      out.push(live[i++]);
    } else if (i < live.length && done.has(liveIds[i])) {
      i++;
    } else if (j < config.length) {
      const at = liveIds.indexOf(configIds[j]);
      out.push(mergeItem(at >= 0 ? live[at] : undefined, config[j]));
      done.add(configIds[j]);
      j++;
    } else {
      i++;
    }
  }
  return out;
}
