// Field validation for one write request: reads `?fieldValidation`, prunes unknown fields from the decoded body,
// finds duplicate keys in the raw JSON, and maps the outcome to the wire: Strict → 400 BadRequest
// (`strict decoding error: …`), Warn (the server default) → warnings for `Warning: 299` headers, Ignore → nothing.
import { badRequest, cause, invalid } from '../rest/status.ts';
import type { OpenApiDocuments } from './documents.ts';
import { describeDuplicate, describeUnknown, duplicateFields, FIELD_VALIDATION_VALUES, pruneUnknownFields, type FieldValidation } from './field-validation.ts';

export type WriteVerb = 'create' | 'update' | 'patch';

const OPTIONS_KIND: Record<WriteVerb, string> = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions' };

export function fieldValidationMode(q: URLSearchParams, verb: WriteVerb): FieldValidation {
  const value = q.get('fieldValidation') ?? '';
  if (value === '') return 'Warn';
  if (!(FIELD_VALIDATION_VALUES as readonly string[]).includes(value)) {
    throw invalid(OPTIONS_KIND[verb], 'meta.k8s.io', '', [cause.notSupported('fieldValidation', value, FIELD_VALIDATION_VALUES)]);
  }
  return value as FieldValidation;
}

export interface ValidationTarget {
  group: string;
  version: string;
  kind: string;
}

/**
 * Validates (and prunes) `body` in place; returns the warnings to send. `rawJson` is the request text when the body
 * was JSON (duplicates can only be seen there). Patch bodies may carry `$`-prefixed strategic-merge directives.
 */
export function validateFields(docs: OpenApiDocuments, target: ValidationTarget, body: unknown, rawJson: string, mode: FieldValidation, verb: WriteVerb): string[] {
  if (mode === 'Ignore') return [];
  const definition = docs.kindDefinition(target.group, target.version, target.kind);
  const problems = rawJson === '' ? [] : duplicateFields(rawJson).map(describeDuplicate);
  if (definition !== undefined) problems.push(...pruneUnknownFields(docs.definitions, definition, body, verb === 'patch').map(describeUnknown));
  if (problems.length === 0 || mode === 'Warn') return problems;
  const detail = `strict decoding error: ${problems.join(', ')}`;
  if (verb === 'patch') throw badRequest(detail);
  const qualifiedKind = target.group === '' ? target.kind : `${target.kind}.${target.group}`;
  throw badRequest(`${qualifiedKind} in version "${target.version}" cannot be handled as a ${target.kind}: ${detail}`);
}

/** One RFC 7234 warning value per problem, as kube-apiserver sends them. */
export function warningHeaders(warnings: readonly string[]): string[] {
  return warnings.map((w) => `299 - "${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
}
