// The pod-template-hash and controller-revision-hash: FNV-32a of the pod template (canonical JSON, keys sorted),
// with the collision count mixed in, written in Kubernetes' "safe" alphabet (no vowels, no 0/1/3, so a hash never
// spells a word). Kubernetes hashes Go's printed form of the struct, so the values differ from a real cluster's;
// only stability and the shape matter.

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Empty maps and lists, and nulls, count as absent: Go's semantic equality and omitempty make them the same. */
function isAbsent(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.values(v as object).every(isAbsent);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => !isAbsent(v));
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function fnv32a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Each decimal digit of the hash mapped into the safe alphabet, as k8s.io/apimachinery's SafeEncodeString. */
function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

export function computeHash(template: unknown, collisionCount?: number): string {
  let text = canonical(template);
  if (collisionCount !== undefined && collisionCount > 0) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(Buffer.from(text, 'utf8'))));
}

/** Deep equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
