// What the apiserver knows about one resource, declared once: names for discovery, Table columns for kubectl, field
// selectors, defaults and validation, and which subresources it serves. The generic registry does the rest.
import type { KubeObject } from '../types.ts';
import type { StatusCause } from '../rest/status.ts';
import type { TablePrinter } from '../rest/table.ts';
import type { NameRule } from './names.ts';

/** A subresource other than `status`, as discovery lists it and the router dispatches it. */
export interface SubresourceInfo {
  /** "scale", "binding", "eviction". */
  name: string;
  /** Kind of the subresource's body ("Scale"); group/version only when it differs from the parent's. */
  kind: string;
  group?: string;
  version?: string;
  verbs: readonly string[];
}

/** How a workload exposes autoscaling/v1 Scale: spec.replicas, status.replicas and its selector as text. */
export interface ScaleInfo {
  selector(obj: KubeObject): string;
}

/**
 * How a version whose objects are stored in another version (autoscaling/v1 HorizontalPodAutoscalers, stored as v2)
 * reads and writes them: the registry of such a version converts every object it reads from the store or its watch
 * cache with fromStored, and every object it writes with toStored (rest/stored-version.ts).
 */
export interface StoredVersionConversion {
  /** apiVersion of the stored objects ("autoscaling/v2"). */
  storedVersion: string;
  fromStored(stored: KubeObject): KubeObject;
  toStored(obj: KubeObject): KubeObject;
}

export interface ResourceDef {
  group: string;
  version: string;
  /** Plural, as in URLs: "pods". */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  /** Has a `/status` subresource: the main resource ignores status changes, `/status` changes only status. */
  hasStatus: boolean;
  /** metadata.generation starts at 1 and is bumped whenever spec changes. */
  tracksGeneration: boolean;
  /** DELETE answers with the deleted object (true) or with a Success Status (false), as Kubernetes does per type. */
  deleteReturnsObject: boolean;
  /** The rule metadata.name must follow (DNS-1123 subdomain unless said otherwise). */
  nameRule?: NameRule;
  /** Subresources beyond `status` (scale, binding, eviction). */
  subresources?: readonly SubresourceInfo[];
  /** Present on kinds with a `/scale` subresource. */
  scale?: ScaleInfo;
  printer: TablePrinter;
  /** Field selector keys beyond metadata.name / metadata.namespace. */
  selectableFields: Readonly<Record<string, (obj: KubeObject) => string>>;
  defaults(obj: KubeObject): void;
  /** What admission plug-ins add on create only (after defaults): a pod's service account and tolerations. */
  admit?(obj: KubeObject): void;
  /**
   * On update, before validation: what create-time admission set and an update may leave out, taken from the stored
   * object (a pod's priority, as the Priority plug-in keeps it).
   */
  keepOnUpdate?(next: KubeObject, old: KubeObject): void;
  /** Objects that must exist, as kube-apiserver creates them at start (the system PriorityClasses). */
  builtinObjects?(): KubeObject[];
  /** Why DELETE of this name is refused (403), if it is: the built-in PriorityClasses. */
  deleteForbidden?(name: string): string | undefined;
  validate(obj: KubeObject): StatusCause[];
  /** Extra checks on update (immutable fields); the new object has been defaulted. */
  validateUpdate(next: KubeObject, old: KubeObject): StatusCause[];
  /** Present when this version's objects are stored in another version of the same resource. */
  conversion?: StoredVersionConversion;
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
export const STATUS_VERBS = ['get', 'patch', 'update'] as const;

export const SCALE_SUBRESOURCE: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS };

export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

/** The field selectors a resource accepts and the values an object has for them. */
export function fieldSet(def: ResourceDef, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (def.namespaced) fields['metadata.namespace'] = obj.metadata?.namespace ?? '';
  for (const [f, get] of Object.entries(def.selectableFields)) fields[f] = get(obj);
  return fields;
}

export function selectableFieldNames(def: ResourceDef): string[] {
  return ['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...Object.keys(def.selectableFields)];
}

export const noCauses = (): StatusCause[] => [];
export const noDefaults = (): void => {};
