// Server-side printing: the `Table` kubectl asks for with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
// Each resource declares its columns (resources.ts); this file builds the Table and formats ages as kubectl does.
import type { KubeObject } from '../types.ts';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean';
  format: string;
  description: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TablePrinter {
  columns: readonly TableColumn[];
  cells(obj: KubeObject, now: Date): unknown[];
}

export function buildTable(
  printer: TablePrinter,
  objects: readonly KubeObject[],
  options: { includeObject: IncludeObject; resourceVersion?: string; continueToken?: string; remainingItemCount?: number; now?: Date },
): Record<string, unknown> {
  const now = options.now ?? new Date();
  const metadata: Record<string, unknown> = {};
  if (options.resourceVersion !== undefined) metadata.resourceVersion = options.resourceVersion;
  if (options.continueToken !== undefined) metadata.continue = options.continueToken;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: printer.cells(obj, now) };
      if (options.includeObject === 'Object') row.object = obj;
      else if (options.includeObject === 'Metadata') row.object = partialObjectMetadata(obj);
      return row;
    }),
  };
}

export function partialObjectMetadata(obj: KubeObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

/** Age as kubectl shows it: 45s, 3m20s, 47m, 5h10m, 30h, 3d4h, 120d, 2y30d, 9y. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24);
    return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** The Age cell of an object: time since a timestamp, or "<unknown>" without one. */
export function age(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}

export const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Cannot be updated.',
  priority: 0,
};

export const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'string',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

export function column(name: string, description: string, options: Partial<Pick<TableColumn, 'type' | 'format' | 'priority'>> = {}): TableColumn {
  return { name, type: options.type ?? 'string', format: options.format ?? '', description, priority: options.priority ?? 0 };
}
