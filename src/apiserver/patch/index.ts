// Patches, the door: JSON patch, JSON merge patch, strategic merge patch (with the merge keys of the built-in
// kinds) and server-side apply with managedFields.
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import type { FieldSchema } from './schema.ts';
import { applyStrategicMergePatch } from './strategic-merge.ts';

export { applyJsonPatch, applyMergePatch, applyStrategicMergePatch };
export { deepEqual, PatchError } from './values.ts';
export { schemaForKind } from './merge-keys.ts';
export type { FieldSchema } from './schema.ts';
export * from './apply/index.ts';

/** The patch types of PATCH other than apply (server-side apply is its own operation, see apply/). */
export const PATCH_CONTENT_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;
export type PatchType = (typeof PATCH_CONTENT_TYPES)[number];
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** `schema` gives strategic merge patch its merge keys; the other two formats ignore it. */
export function applyPatch(type: PatchType, target: unknown, patch: unknown, schema: FieldSchema = {}): unknown {
  switch (type) {
    case 'application/merge-patch+json':
      return applyMergePatch(target, patch);
    case 'application/json-patch+json':
      return applyJsonPatch(target, patch);
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(target, patch, schema);
  }
}
