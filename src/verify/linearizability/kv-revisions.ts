// Cross-key revision rules that per-key partitions cannot see, because etcd's revision is global: real-time
// order (an op that starts after another returned never answers with a lower revision, and a write answers
// with a higher one), and no two writes share a revision.

import type { KvInput, KvOperation } from './kv-types.ts';

export interface RevisionViolation {
  readonly kind: 'real-time-order' | 'duplicate-write-revision';
  /** Indices into the history. */
  readonly operations: readonly [number, number];
  readonly description: string;
}

/** True when the op certainly created a new revision. */
function definitelyWrote(op: KvOperation): boolean {
  const out = op.output;
  if (out === undefined || out.error !== undefined) return false;
  const hasPut = (ops: readonly { type: string }[]): boolean => ops.some((o) => o.type === 'put');
  const input: KvInput = op.input;
  switch (input.type) {
    case 'put':
      return true;
    case 'delete':
      return (out.deleted ?? 0) > 0;
    case 'txn':
      return out.succeeded !== undefined && hasPut(out.succeeded ? input.success : input.failure);
    default:
      return false;
  }
}

export function checkRevisionOrder(history: readonly KvOperation[]): RevisionViolation[] {
  const violations: RevisionViolation[] = [];
  const withRevision = history
    .map((op, index) => ({ op, index, revision: op.output?.revision }))
    .filter((x): x is { op: KvOperation; index: number; revision: number } => x.revision !== undefined && x.op.return !== undefined);

  const writers = new Map<number, number>();
  for (const { op, index, revision } of withRevision) {
    if (!definitelyWrote(op)) continue;
    const other = writers.get(revision);
    if (other !== undefined) {
      violations.push({
        kind: 'duplicate-write-revision',
        operations: [other, index],
        description: `ops #${other} and #${index} are different writes but both answered revision ${revision}`,
      });
    } else writers.set(revision, index);
  }

  const byCall = [...withRevision].sort((a, b) => a.op.call - b.op.call || a.index - b.index);
  const byReturn = [...withRevision].sort((a, b) => a.op.return! - b.op.return! || a.index - b.index);
  let r = 0;
  let highest: (typeof withRevision)[number] | undefined;
  for (const b of byCall) {
    while (r < byReturn.length && byReturn[r].op.return! < b.op.call) {
      if (highest === undefined || byReturn[r].revision > highest.revision) highest = byReturn[r];
      r++;
    }
    if (highest === undefined) continue;
    const strict = definitelyWrote(b.op);
    if (strict ? b.revision <= highest.revision : b.revision < highest.revision) {
      violations.push({
        kind: 'real-time-order',
        operations: [highest.index, b.index],
        description:
          `op #${b.index} (client ${b.op.clientId}, called at ${b.op.call}) answered revision ${b.revision}, but op #${highest.index} ` +
          `(client ${highest.op.clientId}) had already returned revision ${highest.revision} at ${highest.op.return}` +
          (strict ? '; a later write must be above it' : ''),
      });
    }
  }
  return violations;
}
