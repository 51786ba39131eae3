// A stored object answered as JSON without parsing it. A LIST of 500 pods parsed every stored value, copied it to
// set metadata.resourceVersion, and stringified it again for the answer: most of an apiserver's CPU under the k8s
// bench's LIST probe. The stored bytes are already the object's JSON (the registry stores every object with its
// apiVersion and kind, and encode() in object-store.ts writes those and metadata first, resourceVersion left out);
// only the resourceVersion has to go in, a splice at a known place.
//
// Anything not in that shape (a value written some other way) gets undefined: the caller parses it instead.

const API_VERSION_HEAD = Buffer.from('{"apiVersion":"');
const KIND_JOIN = Buffer.from('","kind":"');
const METADATA_JOIN = Buffer.from('","metadata":{');
const RESOURCE_VERSION_KEY = Buffer.from('"resourceVersion"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;

/**
 * The object's JSON with metadata.resourceVersion = `modRevision`, as decode() + JSON.stringify would give it (keys
 * in another order); undefined when the stored value is not in encode()'s shape or already names a
 * resourceVersion.
 */
export function storedJson(value: Buffer, modRevision: number): Buffer | undefined {
  // A "resourceVersion" anywhere (a key, or a value that is exactly that word) leaves it to the parser, which
  // never mistakes one; escaped quotes inside strings (\"resourceVersion\") do not match.
  if (value.includes(RESOURCE_VERSION_KEY)) return undefined;
  const at = metadataStart(value);
  if (at < 0) return undefined;
  const version = Buffer.from(`"resourceVersion":"${modRevision}"`);
  return Buffer.concat([value.subarray(0, at), version, separator(value, at), value.subarray(at)]);
}

/**
 * Whether `value` begins as encode() writes a typed object: {"apiVersion":"…","kind":"…","metadata":{ (plain
 * strings, no escapes). Re-encoding such a value gives the same bytes.
 */
export function inEncodedShape(value: Buffer): boolean {
  return metadataStart(value) >= 0;
}

/** Index just past `"metadata":{` when `value` is in encode()'s shape, else -1. */
function metadataStart(value: Buffer): number {
  if (!startsWith(value, API_VERSION_HEAD)) return -1;
  const apiVersionEnd = plainStringEnd(value, API_VERSION_HEAD.length);
  if (apiVersionEnd < 0 || !startsWithAt(value, apiVersionEnd, KIND_JOIN)) return -1;
  const kindEnd = plainStringEnd(value, apiVersionEnd + KIND_JOIN.length);
  if (kindEnd < 0 || !startsWithAt(value, kindEnd, METADATA_JOIN)) return -1;
  return kindEnd + METADATA_JOIN.length;
}

/** "," before the rest of metadata, nothing when metadata is empty. */
function separator(value: Buffer, at: number): Buffer {
  return value[at] === CLOSE_BRACE ? Buffer.alloc(0) : Buffer.from(',');
}

/** Index of the quote closing a string that starts at `from`; -1 if it holds an escape (left to the parser). */
function plainStringEnd(value: Buffer, from: number): number {
  const end = value.indexOf(QUOTE, from);
  if (end < 0) return -1;
  const escape = value.indexOf(BACKSLASH, from);
  return escape >= 0 && escape < end ? -1 : end;
}

function startsWith(value: Buffer, head: Buffer): boolean {
  return startsWithAt(value, 0, head);
}

function startsWithAt(value: Buffer, at: number, part: Buffer): boolean {
  return value.length >= at + part.length && value.compare(part, 0, part.length, at, at + part.length) === 0;
}
