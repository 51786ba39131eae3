// Label and field selectors as the API accepts them in `labelSelector=` and `fieldSelector=`.
//
// Labels: comma-separated requirements, each `key`, `!key`, `key=value`, `key==value`, `key!=value`,
// `key in (a,b)`, `key notin (a,b)`, `key>n`, `key<n`. Fields: `path=value`, `path==value`, `path!=value`, against
// the set of fields each resource supports.
import { badRequest } from './status.ts';

export type LabelOperator = 'exists' | 'notexists' | 'eq' | 'neq' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

export class SelectorParseError extends Error {}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export function parseLabelSelector(text: string): LabelSelector {
  const requirements: LabelRequirement[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^\s*!\s*([^\s,!=<>()]+)\s*(,|$)/))) {
      requirements.push(requirement(m[1], 'notexists', []));
    } else if ((m = rest.match(/^\s*([^\s,!=<>()]+)\s+(in|notin)\s*\(([^)]*)\)\s*(,|$)/))) {
      const values = m[3].split(',').map((v) => v.trim());
      requirements.push(requirement(m[1], m[2] as 'in' | 'notin', values));
    } else if ((m = rest.match(/^\s*([^\s,!=<>()]+)\s*(==|=|!=|>|<)\s*([^\s,!=<>()]*)\s*(,|$)/))) {
      const op = ({ '=': 'eq', '==': 'eq', '!=': 'neq', '>': 'gt', '<': 'lt' } as const)[m[2] as '=' | '==' | '!=' | '>' | '<'];
      requirements.push(requirement(m[1], op, [m[3]]));
    } else if ((m = rest.match(/^\s*([^\s,!=<>()]+)\s*(,|$)/))) {
      requirements.push(requirement(m[1], 'exists', []));
    } else {
      throw new SelectorParseError(`unable to parse requirement: found '${rest.trim().split(/\s+/)[0]}', expected: identifier`);
    }
    rest = rest.slice(m[0].length);
    if (m[0].trimEnd().endsWith(',') && rest.trim() === '') throw new SelectorParseError("found '', expected: identifier after ','");
  }
  return requirements;
}

function requirement(key: string, op: LabelOperator, values: string[]): LabelRequirement {
  if (!KEY_RE.test(key)) throw new SelectorParseError(`invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`);
  for (const v of values) {
    if (!VALUE_RE.test(v)) throw new SelectorParseError(`invalid label value: "${v}": must be 63 characters or less and consist of alphanumeric characters, '-', '_' or '.'`);
  }
  if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(values[0])) {
    throw new SelectorParseError(`for 'Gt', 'Lt' operators, the value must be an integer`);
  }
  return { key, op, values };
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const value = l[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'eq':
        return has && value === r.values[0];
      case 'neq':
        return !has || value !== r.values[0];
      case 'in':
        return has && r.values.includes(value);
      case 'notin':
        return !has || !r.values.includes(value);
      case 'gt':
        return has && /^-?\d+$/.test(value) && Number(value) > Number(r.values[0]);
      case 'lt':
        return has && /^-?\d+$/.test(value) && Number(value) < Number(r.values[0]);
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

export function parseFieldSelector(text: string, supported: readonly string[]): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of splitUnescaped(text)) {
    if (part.trim() === '') continue;
    const m = part.match(/^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/);
    if (m === null) throw badRequest(`invalid selector: '${part}'; can't understand '${part}'`);
    if (!supported.includes(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
    out.push({ field: m[1], op: m[2] === '!=' ? 'neq' : 'eq', value: unescapeFieldValue(m[3]) });
  }
  return out;
}

export function matchesFields(requirements: readonly FieldRequirement[], fields: Record<string, string>): boolean {
  return requirements.every((r) => ((fields[r.field] ?? '') === r.value) === (r.op === 'eq'));
}

/** Field values may carry `\,` `\=` `\\` escapes; split on unescaped commas. */
function splitUnescaped(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}
