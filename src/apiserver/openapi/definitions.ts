// Swagger 2.0 definitions for the kinds we serve, built from the schema package (model-catalog.ts): every kind's
// model and everything it reaches, under Kubernetes' definition names (io.k8s.api.core.v1.PodSpec,
// io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, …), with x-kubernetes-group-version-kind on each kind and the
// strategic-merge extensions on list fields.
import { hasModel, modelAttributes, modelForKind, type ModelAttribute } from './model-catalog.ts';
import { fieldPatchStrategy, listPatchMeta } from './patch-extensions.ts';
import type { ServedKind } from './served-kind.ts';

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  [extension: `x-${string}`]: unknown;
}

export type Definitions = Record<string, Schema>;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const TIME = `${META_V1}.Time`;
const MICRO_TIME = `${META_V1}.MicroTime`;
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
/** apimachinery's meta/v1 types, which the client names like any other V1 model. */
const META_MODELS = new Set([
  'ObjectMeta',
  'ListMeta',
  'LabelSelector',
  'LabelSelectorRequirement',
  'OwnerReference',
  'ManagedFieldsEntry',
  'Condition',
  'Status',
  'StatusDetails',
  'StatusCause',
  'DeleteOptions',
  'Preconditions',
]);
const MODEL_PREFIX = /^([A-Z][a-z]+)?(V\d+(?:(?:alpha|beta)\d+)?)([A-Z]\w*)$/;
/**
 * The kinds of core/v1. The client's model names do not say which API package a nested type lives in; a type
 * reachable from one of these is core/v1's (PodTemplateSpec, ObjectReference …), anything else belongs to the group
 * of the kind that uses it (DeploymentSpec → apps/v1).
 */
const CORE_V1_KINDS = [
  'Binding',
  'ConfigMap',
  'Endpoints',
  'Event',
  'LimitRange',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Pod',
  'PodTemplate',
  'ReplicationController',
  'ResourceQuota',
  'Secret',
  'Service',
  'ServiceAccount',
];

function referencedModels(type: string): string[] {
  return (type.match(/[A-Za-z0-9]+/g) ?? []).filter((t) => hasModel(t));
}

/** Every model reachable from the core/v1 kinds. */
function coreModels(): Set<string> {
  const seen = new Set<string>();
  const queue = CORE_V1_KINDS.map((k) => modelForKind('', 'v1', k)).filter((m): m is string => m !== undefined);
  while (queue.length > 0) {
    const m = queue.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    for (const a of modelAttributes(m) ?? []) queue.push(...referencedModels(a.type));
  }
  return seen;
}

/** The upstream package path of a group-version: io.k8s.api.core.v1, io.k8s.api.apps.v1, io.k8s.api.coordination.v1 … */
function packageOf(group: string, version: string): string {
  return `io.k8s.api.${group === '' ? 'core' : group.split('.')[0]}.${version}`;
}

export class DefinitionSet {
  readonly definitions: Definitions = {};
  /** Definition name of each served kind, by "group/version/kind". */
  private readonly kindNames = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private readonly core = coreModels();

  constructor(kinds: readonly ServedKind[]) {
    this.definitions[TIME] = { type: 'string', format: 'date-time' };
    this.definitions[MICRO_TIME] = { type: 'string', format: 'date-time' };
    this.definitions[INT_OR_STRING] = { type: 'string', format: 'int-or-string' };
    for (const k of kinds) {
      const model = modelForKind(k.group, k.version, k.kind);
      if (model === undefined) continue;
      const name = this.define(model, packageOf(k.group, k.version));
      const gvk: GroupVersionKind = { group: k.group, version: k.version, kind: k.kind };
      this.definitions[name]['x-kubernetes-group-version-kind'] = [gvk];
      this.kindNames.set(`${k.group}/${k.version}/${k.kind}`, name);
    }
  }

  /** The definition name for a served kind, or undefined when the schema package has no model for it. */
  kindDefinition(group: string, version: string, kind: string): string | undefined {
    return this.kindNames.get(`${group}/${version}/${kind}`);
  }

  private define(model: string, pkg: string): string {
    const known = this.names.get(model);
    if (known !== undefined) return known;
    const m = MODEL_PREFIX.exec(model);
    const short = m?.[3] ?? model;
    const ownPkg = m?.[1] !== undefined ? packageOf(m[1] === 'Core' ? '' : m[1].toLowerCase(), m[2].toLowerCase()) : undefined;
    const home = ownPkg ?? (this.core.has(model) ? packageOf('', 'v1') : pkg);
    const name = META_MODELS.has(short) ? `${META_V1}.${short}` : `${home}.${short}`;
    this.names.set(model, name);
    const schema: Schema = { type: 'object', properties: {} };
    this.definitions[name] = schema;
    const attributes = modelAttributes(model) ?? [];
    for (const attribute of attributes) {
      schema.properties![attribute.baseName] = this.fieldSchema(attribute, short, pkg);
    }
    return name;
  }

  private fieldSchema(attribute: ModelAttribute, owner: string, pkg: string): Schema {
    const schema = this.typeSchema(attribute.type, attribute.format, pkg);
    const list = listPatchMeta(owner, attribute.baseName);
    if (list !== undefined && schema.type === 'array') {
      if (list.mergeKey !== undefined) schema['x-kubernetes-patch-merge-key'] = list.mergeKey;
      schema['x-kubernetes-patch-strategy'] = list.strategy;
      if (list.listType !== undefined) schema['x-kubernetes-list-type'] = list.listType;
      if (list.listMapKeys !== undefined) schema['x-kubernetes-list-map-keys'] = [...list.listMapKeys];
    }
    const strategy = fieldPatchStrategy(owner, attribute.baseName);
    if (strategy !== undefined) schema['x-kubernetes-patch-strategy'] = strategy;
    return schema;
  }

  private typeSchema(type: string, format: string, pkg: string): Schema {
    const t = type.trim();
    const array = /^Array<(.+)>$/.exec(t);
    if (array !== null) return { type: 'array', items: this.typeSchema(array[1], '', pkg) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
    if (map !== null) return { type: 'object', additionalProperties: this.typeSchema(map[1], '', pkg) };
    switch (t) {
      case 'string':
        return format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
      case 'number':
        return format === 'double' ? { type: 'number', format: 'double' } : { type: 'integer', format: format === 'int32' ? 'int32' : 'int64' };
      case 'boolean':
        return { type: 'boolean' };
      case 'Date':
        return { $ref: `#/definitions/${format === 'date-time-micro' ? MICRO_TIME : TIME}` };
      case 'IntOrString':
        return { $ref: `#/definitions/${INT_OR_STRING}` };
      case 'any':
      case 'object':
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      default:
        if (hasModel(t)) return { $ref: `#/definitions/${this.define(t, pkg)}` };
        return {};
    }
  }
}
