// Name rules with Kubernetes' exact messages: most kinds take a DNS-1123 subdomain, namespaces a DNS-1123 label,
// services a DNS-1035 label.
import { cause, type StatusCause } from '../rest/status.ts';
import type { ResourceDef } from './resource-def.ts';

// 'path': any name that is a safe URL path segment, as RBAC objects ("system:node") take.
export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const RULES: Record<Exclude<NameRule, 'path'>, { max: number; regex: RegExp; message: string }> = {
  subdomain: {
    max: 253,
    regex: DNS1123_SUBDOMAIN,
    message:
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  },
  label: {
    max: 63,
    regex: DNS1123_LABEL,
    message:
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  },
  dns1035: {
    max: 63,
    regex: DNS1035_LABEL,
    message:
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  },
};

export function validateName(name: string, rule: NameRule, field = 'metadata.name'): StatusCause[] {
  if (rule === 'path') return validatePathSegmentName(name, field);
  const { max, regex, message } = RULES[rule];
  if (name.length > max) return [cause.invalid(field, name, `must be no more than ${max} characters`)];
  return regex.test(name) ? [] : [cause.invalid(field, name, message)];
}

function validatePathSegmentName(name: string, field: string): StatusCause[] {
  if (name === '.' || name === '..') return [cause.invalid(field, name, `may not be '${name}'`)];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => cause.invalid(field, name, `may not contain '${c}'`));
}

/** Go's validation.IsQualifiedName, as kube-apiserver words its findings. */
export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const problems: string[] = [];
  if (parts.length === 2) {
    const [prefix] = parts;
    name = parts[1];
    if (prefix.length === 0) problems.push('prefix part must be non-empty');
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      problems.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
    }
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name)) {
    problems.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return problems;
}

export function nameRuleOf(def: ResourceDef): NameRule {
  return def.nameRule ?? 'subdomain';
}
