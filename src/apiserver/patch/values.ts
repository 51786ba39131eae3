// Small helpers over parsed JSON values shared by the patch formats.
import { isPlainObject } from '../types.ts';

export { isPlainObject };

export type JsonMap = Record<string, unknown>;

/** A patch that cannot be applied: answered as 400 BadRequest by the registry. */
export class PatchError extends Error {}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The value without `$`-directives and without nulls (what a patch value becomes when nothing is under it). */
export function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((e) => !(isPlainObject(e) && (e.$patch === 'delete' || e.$patch === 'replace'))).map(withoutDirectives);
  }
  if (!isPlainObject(value)) return value;
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$') || v === null) continue;
    out[k] = withoutDirectives(v);
  }
  return out;
}
