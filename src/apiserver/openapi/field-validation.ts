// Server-side field validation (`?fieldValidation=Ignore|Warn|Strict`): fields the schema does not know are dropped
// from the request body and reported, as kube-apiserver's decoder does. Strict turns the report into a 400, Warn into
// `Warning: 299` headers; Ignore drops them silently. Paths are written the way Kubernetes writes them:
// `spec.containers[0].foo`.
import type { Definitions, Schema } from './definitions.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
export const FIELD_VALIDATION_VALUES: readonly FieldValidation[] = ['Ignore', 'Strict', 'Warn'];

/** Removes unknown fields from `value` (in place) and returns their paths. Keys starting with `$` are patch directives. */
export function pruneUnknownFields(definitions: Definitions, rootDefinition: string, value: unknown, allowDirectives = false): string[] {
  const unknown: string[] = [];
  walk(definitions, { $ref: `#/definitions/${rootDefinition}` }, value, '', unknown, allowDirectives, 0);
  return unknown;
}

const DEPTH_MAX = 64;

function resolve(definitions: Definitions, schema: Schema): Schema {
  let s = schema;
  for (let hops = 0; s.$ref !== undefined && hops < 8; hops++) s = definitions[s.$ref.replace('#/definitions/', '')] ?? {};
  return s;
}

function walk(definitions: Definitions, schema: Schema, value: unknown, path: string, unknown: string[], directives: boolean, depth: number): void {
  if (depth > DEPTH_MAX || value === null || typeof value !== 'object') return;
  const s = resolve(definitions, schema);
  if (Array.isArray(value)) {
    if (s.items !== undefined) value.forEach((item, i) => walk(definitions, s.items!, item, `${path}[${i}]`, unknown, directives, depth + 1));
    return;
  }
  const obj = value as Record<string, unknown>;
  if (s.properties !== undefined) {
    for (const key of Object.keys(obj)) {
      const child = path === '' ? key : `${path}.${key}`;
      if (directives && key.startsWith('$')) continue;
      const field = s.properties[key];
      if (field === undefined) {
        unknown.push(child);
        delete obj[key];
      } else {
        walk(definitions, field, obj[key], child, unknown, directives, depth + 1);
      }
    }
  } else if (s.additionalProperties !== undefined) {
    for (const key of Object.keys(obj)) {
      if (directives && key.startsWith('$')) continue;
      walk(definitions, s.additionalProperties, obj[key], `${path === '' ? '' : `${path}.`}${key}`, unknown, directives, depth + 1);
    }
  }
}

/**
 * Keys repeated within one JSON object, by path. JSON.parse keeps the last of them silently; Kubernetes reports them
 * (`duplicate field "metadata.name"`). A small scanner over the text: strings, nesting, keys; values are skipped.
 */
export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  const frames: { kind: 'object' | 'array'; keys: Set<string>; path: string; index: number; pendingKey: string | null }[] = [];
  let i = 0;
  const readString = (): string => {
    let out = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const esc = text.slice(i, i + 6);
        out += esc[1] === 'u' ? String.fromCharCode(parseInt(esc.slice(2), 16)) : (JSON.parse(`"${esc.slice(0, 2)}"`) as string);
        i += esc[1] === 'u' ? 6 : 2;
      } else {
        out += text[i++];
      }
    }
    i++;
    return out;
  };
  const childPath = (): string => {
    const top = frames[frames.length - 1];
    if (top === undefined) return '';
    if (top.kind === 'array') return `${top.path}[${top.index}]`;
    return top.path === '' ? (top.pendingKey ?? '') : `${top.path}.${top.pendingKey ?? ''}`;
  };
  while (i < text.length) {
    const c = text[i];
    const top = frames[frames.length - 1];
    if (c === '{' || c === '[') {
      frames.push({ kind: c === '{' ? 'object' : 'array', keys: new Set(), path: childPath(), index: 0, pendingKey: null });
      i++;
    } else if (c === '}' || c === ']') {
      frames.pop();
      i++;
    } else if (c === '"') {
      const s = readString();
      if (top?.kind === 'object' && top.pendingKey === null) {
        let j = i;
        while (j < text.length && /\s/.test(text[j])) j++;
        if (text[j] === ':') {
          if (top.keys.has(s)) found.push(top.path === '' ? s : `${top.path}.${s}`);
          top.keys.add(s);
          top.pendingKey = s;
          i = j + 1;
        }
      }
    } else if (c === ',') {
      if (top?.kind === 'object') top.pendingKey = null;
      else if (top?.kind === 'array') top.index++;
      i++;
    } else {
      i++;
    }
  }
  return found;
}

/** Kubernetes' wording for one problem, as used in the Strict error and in Warning headers. */
export function describeUnknown(path: string): string {
  return `unknown field "${path}"`;
}

export function describeDuplicate(path: string): string {
  return `duplicate field "${path}"`;
}
