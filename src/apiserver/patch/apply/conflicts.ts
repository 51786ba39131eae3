// Apply conflicts: fields the applied configuration would change that another manager owns. Kubernetes answers
// them as a 409 Conflict Status with one FieldManagerConflict cause per field and this message wording.
import type { StatusCause } from '../../rest/status.ts';
import { pathString, type FieldPath } from './fieldset.ts';
import type { ManagerSet } from './managed-fields.ts';

export interface FieldConflict {
  manager: Pick<ManagerSet, 'manager' | 'operation' | 'apiVersion' | 'subresource'>;
  path: FieldPath;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: readonly FieldConflict[]) {
    super(conflictMessage(conflicts));
    this.name = 'ApplyConflictError';
  }

  causes(): StatusCause[] {
    return this.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c.manager)}`, field: pathString(c.path) }));
  }
}

/** `"kubectl" using v1`, `"ctl" with subresource "status" using v1` (the time is not part of a manager's name). */
export function describeManager(m: FieldConflict['manager']): string {
  const sub = m.subresource === '' ? '' : ` with subresource ${JSON.stringify(m.subresource)}`;
  return `${JSON.stringify(m.manager)}${sub} using ${m.apiVersion}`;
}

function conflictMessage(conflicts: readonly FieldConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const name = describeManager(c.manager);
    byManager.set(name, [...(byManager.get(name) ?? []), pathString(c.path)]);
  }
  const lines: string[] = [];
  for (const name of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${name}:`);
    for (const p of byManager.get(name) ?? []) lines.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}
