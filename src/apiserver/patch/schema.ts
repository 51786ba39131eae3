// The little of a type's schema that patching needs: for each list, how strategic merge patch merges it
// (patchStrategy/patchMergeKey) and how server-side apply identifies its items (listType/listMapKeys); which structs
// are atomic. Everything not described is a plain struct or map, and an undescribed list is replaced (SMP) and atomic
// (SSA), as Kubernetes treats lists without markers.

export interface FieldSchema {
  /** Fields of a struct (or values of a map) that need more than the defaults. */
  readonly fields?: Readonly<Record<string, FieldSchema>>;
  readonly list?: ListSchema;
  /** `+structType=atomic` / `+mapType=atomic`: owned and replaced as one value by server-side apply. */
  readonly atomic?: boolean;
}

export type SsaListType =
  | { readonly type: 'map'; readonly keys: readonly string[]; readonly keyDefaults?: Readonly<Record<string, unknown>> }
  | { readonly type: 'set' }
  | { readonly type: 'atomic' };

export interface ListSchema {
  /** Strategic merge: merge items by this key (lists of maps) or as a set (primitives, key ''); null = replace. */
  readonly smpMergeKey: string | null;
  readonly ssa: SsaListType;
  readonly item?: FieldSchema;
}

export const struct = (fields: Record<string, FieldSchema>): FieldSchema => ({ fields });

/** `patchStrategy:"merge" patchMergeKey:key` and `+listType=map` (keys default to the merge key). */
export function keyedList(item: FieldSchema | undefined, mergeKey: string, ssaKeys: readonly string[] = [mergeKey], keyDefaults?: Record<string, unknown>): FieldSchema {
  return { list: { smpMergeKey: mergeKey, ssa: { type: 'map', keys: ssaKeys, keyDefaults }, item } };
}

/** Merged by key in strategic merge patch, but `+listType=atomic` for server-side apply. */
export function keyedAtomicList(item: FieldSchema | undefined, mergeKey: string): FieldSchema {
  return { list: { smpMergeKey: mergeKey, ssa: { type: 'atomic' }, item } };
}

/** A list of primitives with `patchStrategy:"merge"` and `+listType=set`. */
export const primitiveSet: FieldSchema = { list: { smpMergeKey: '', ssa: { type: 'set' } } };

export const atomic: FieldSchema = { atomic: true };

export function child(schema: FieldSchema | undefined, field: string): FieldSchema | undefined {
  return schema?.fields?.[field];
}
