// Tolerant readers for parsed JSON: API objects arrive as the client wrote them, so every field may be missing or of
// the wrong type. Validation reports wrong types; everything else reads through these.
export type Obj = Record<string, unknown>;

export const o = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const orNone = (v: string): string => (v === '' ? '<none>' : v);

/** `obj[field]` as an object, created (and attached) when missing. */
export function child(obj: Obj, field: string): Obj {
  const value = o(obj[field]);
  obj[field] = value;
  return value;
}

/** Go's `%#v` of a map[string]string, which Kubernetes puts verbatim into some validation messages. */
export function goStringMap(map: unknown): string {
  if (map === undefined || map === null) return 'map[string]string(nil)';
  const entries = Object.entries(o(map))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(String(v))}`);
  return `map[string]string{${entries.join(', ')}}`;
}
