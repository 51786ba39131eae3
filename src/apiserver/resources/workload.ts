// What every replicated workload shares (ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job):
// replicas and selector rules with Kubernetes' messages, and the wide Table columns CONTAINERS IMAGES SELECTOR.
import type { KubeObject } from '../types.ts';
import { cause, type StatusCause } from '../rest/status.ts';
import { column, type TableColumn } from '../rest/table.ts';
import { goLabelSelector, isEmptySelector, selectorMatches, selectorText, validateLabelSelector } from './label-selector.ts';
import { arr, goStringMap, o, str, type Obj } from './values.ts';

export const CONTAINERS_COLUMN: TableColumn = column('Containers', 'Names of each container in the template.', { priority: 1 });
export const IMAGES_COLUMN: TableColumn = column('Images', 'Images referenced by each container in the template.', { priority: 1 });
export const SELECTOR_COLUMN: TableColumn = column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { priority: 1 });

/** The pod template's container names and images, comma-joined, as the wide columns show them. */
export function templateContainers(template: unknown): [string, string] {
  const containers = arr(o(o(template).spec).containers);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

/** A status counter as the printers show it: absent is 0. */
export const count = (status: unknown, field: string): number => {
  const v = o(status)[field];
  return typeof v === 'number' ? v : 0;
};

export function validateReplicas(spec: Obj, field = 'spec.replicas'): StatusCause[] {
  const r = spec.replicas;
  if (r === undefined) return [];
  if (typeof r !== 'number' || !Number.isInteger(r)) return [cause.invalid(field, r, 'must be an integer')];
  return r < 0 ? [cause.invalid(field, r, 'must be greater than or equal to 0')] : [];
}

export function validateNonNegative(spec: Obj, name: string, path = 'spec'): StatusCause[] {
  const v = spec[name];
  return typeof v === 'number' && v < 0 ? [cause.invalid(`${path}.${name}`, v, 'must be greater than or equal to 0')] : [];
}

/** apps/v1 and batch/v1: a LabelSelector that is required, non-empty and matches the template's labels. */
export function validateSelectorForTemplate(spec: Obj, kindWord: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const labels = o(o(spec.template).metadata).labels;
  if (spec.selector === undefined || spec.selector === null) causes.push(cause.required('spec.selector'));
  else {
    causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (isEmptySelector(spec.selector)) {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goLabelSelector(spec.selector)}: empty selector is invalid for ${kindWord}`, field: 'spec.selector' });
    }
  }
  if (spec.template !== undefined && (isEmptySelector(spec.selector) || !selectorMatches(spec.selector, labels))) {
    causes.push(templateLabelsMismatch(labels));
  }
  return causes;
}

export function templateLabelsMismatch(labels: unknown): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' };
}

/** apps/v1 selectors never change after creation. */
export function selectorImmutable(next: KubeObject, old: KubeObject): StatusCause[] {
  const a = o(next.spec).selector;
  const b = o(old.spec).selector;
  if (JSON.stringify(a ?? null) === JSON.stringify(b ?? null)) return [];
  return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${goLabelSelector(a)}: field is immutable`, field: 'spec.selector' }];
}

export const labelSelectorText = (obj: KubeObject): string => selectorText(o(obj.spec).selector);
