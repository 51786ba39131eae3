// What the OpenAPI documents need to know about a served resource; ResourceDef satisfies it structurally, so this
// folder does not depend on how the resource table is laid out.
export interface ServedKind {
  group: string;
  version: string;
  kind: string;
  /** Plural, as in URLs. */
  resource: string;
  namespaced: boolean;
  hasStatus?: boolean;
}

export function groupVersionPath(k: { group: string; version: string }): string {
  return k.group === '' ? `api/${k.version}` : `apis/${k.group}/${k.version}`;
}
