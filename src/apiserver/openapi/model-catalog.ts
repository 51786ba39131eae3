// The schema source: the generated models of @kubernetes/client-node, Kubernetes' own client generated from the
// upstream OpenAPI spec and maintained release by release. Each model class carries `attributeTypeMap` (JSON field
// name, TypeScript type, OpenAPI format), which is the field structure of the upstream definition. The package does
// not carry vendor extensions; names and x-kubernetes-* metadata are added in definitions.ts.
import * as models from '@kubernetes/client-node';

export interface ModelAttribute {
  /** The JSON field name. */
  baseName: string;
  /** TypeScript rendering: "string", "number", "Date", "V1PodSpec", "Array<X>", "{ [key: string]: X; }", "IntOrString", "any" … */
  type: string;
  format: string;
}

interface ModelClass {
  getAttributeTypeMap(): ModelAttribute[];
}

function isModelClass(value: unknown): value is ModelClass {
  return typeof value === 'function' && typeof (value as { getAttributeTypeMap?: unknown }).getAttributeTypeMap === 'function';
}

const catalog = new Map<string, readonly ModelAttribute[]>();
for (const [name, value] of Object.entries(models)) {
  if (isModelClass(value)) catalog.set(name, value.getAttributeTypeMap());
}

export function modelAttributes(model: string): readonly ModelAttribute[] | undefined {
  return catalog.get(model);
}

export function hasModel(model: string): boolean {
  return catalog.has(model);
}

/** The client's model for a kind: "V1Pod", or group-qualified where names collide ("CoreV1Event", "EventsV1Event"). */
export function modelForKind(group: string, version: string, kind: string): string | undefined {
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  const first = group === '' ? 'core' : group.split('.')[0];
  const qualified = `${first.charAt(0).toUpperCase()}${first.slice(1)}${v}${kind}`;
  if (catalog.has(qualified)) return qualified;
  const plain = `${v}${kind}`;
  return catalog.has(plain) ? plain : undefined;
}
