// metav1.LabelSelector as workloads carry it: its text form (what Scale.status.selector and `-o wide` show), whether
// it matches a set of labels, and the Go rendering Kubernetes quotes in validation messages.
import { cause, type StatusCause } from '../rest/status.ts';
import { arr, goStringMap, o, str } from './values.ts';

interface Requirement {
  key: string;
  text: string;
  matches(labels: Record<string, string>): boolean;
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function requirements(selector: unknown): Requirement[] {
  const s = o(selector);
  const reqs: Requirement[] = Object.entries(o(s.matchLabels)).map(([key, v]) => ({
    key,
    text: `${key}=${String(v)}`,
    matches: (labels) => labels[key] === String(v),
  }));
  for (const e of arr(s.matchExpressions)) {
    const key = str(e.key);
    const values = (Array.isArray(e.values) ? (e.values as unknown[]).map(String) : []).sort();
    switch (str(e.operator)) {
      case 'In':
        reqs.push({ key, text: `${key} in (${values.join(',')})`, matches: (l) => key in l && values.includes(l[key]) });
        break;
      case 'NotIn':
        reqs.push({ key, text: `${key} notin (${values.join(',')})`, matches: (l) => !(key in l) || !values.includes(l[key]) });
        break;
      case 'Exists':
        reqs.push({ key, text: key, matches: (l) => key in l });
        break;
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}`, matches: (l) => !(key in l) });
        break;
    }
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The selector as `labels.Selector.String()` prints it: requirements sorted by key, comma-joined. */
export function selectorText(selector: unknown): string {
  return requirements(selector)
    .map((r) => r.text)
    .join(',');
}

/** A map selector (ReplicationController, Service) as text. */
export function mapSelectorText(selector: unknown): string {
  return selectorText({ matchLabels: o(selector) });
}

export function selectorMatches(selector: unknown, labels: unknown): boolean {
  const l = o(labels) as Record<string, string>;
  return requirements(selector).every((r) => r.matches(l));
}

export function isEmptySelector(selector: unknown): boolean {
  const s = o(selector);
  return Object.keys(o(s.matchLabels)).length === 0 && arr(s.matchExpressions).length === 0;
}

/** Go's `%#v` of a v1.LabelSelector, as "field is immutable" and "empty selector" messages quote it. */
export function goLabelSelector(selector: unknown): string {
  const s = o(selector);
  const labels = s.matchLabels === undefined ? 'map[string]string(nil)' : goStringMap(s.matchLabels);
  const exprs = arr(s.matchExpressions);
  const expressions =
    s.matchExpressions === undefined
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => {
            const values = Array.isArray(e.values) ? `[]string{${(e.values as unknown[]).map((v) => JSON.stringify(String(v))).join(', ')}}` : '[]string(nil)';
            return `v1.LabelSelectorRequirement{Key:${JSON.stringify(str(e.key))}, Operator:${JSON.stringify(str(e.operator))}, Values:${values}}`;
          })
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${expressions}}`;
}

/** The structural checks of ValidateLabelSelector: operators known, values present exactly when they must be. */
export function validateLabelSelector(selector: unknown, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(o(selector).matchExpressions).forEach((e, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const op = str(e.operator);
    const values = Array.isArray(e.values) ? e.values : [];
    if (!OPERATORS.includes(op)) causes.push(cause.invalid(`${at}.operator`, op, 'not a valid selector operator'));
    else if ((op === 'In' || op === 'NotIn') && values.length === 0) causes.push(cause.required(`${at}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    else if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) causes.push(cause.forbidden(`${at}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
  });
  return causes;
}
