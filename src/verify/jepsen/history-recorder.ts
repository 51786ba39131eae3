// Records what the clients saw, in the checker's history format (docs/verification.md): call and return times in
// milliseconds since the run started, an unknown outcome as an op without `return`, and requests that certainly
// never reached a server left out (they constrain nothing).
import type { KvInput, KvOperation, KvOutput } from '../index.ts';

export type Outcome = 'ok' | 'failed' | 'unknown';

export interface OpCounts {
  ok: number;
  failed: number;
  unknown: number;
}

export interface PendingOp {
  readonly clientId: number;
  readonly kind: string;
  readonly call: number;
  readonly input: KvInput;
}

export class HistoryRecorder {
  readonly ops: KvOperation[] = [];
  readonly byKind = new Map<string, OpCounts>();
  private readonly origin = performance.now();

  /** Milliseconds since the recorder was made; monotonic. */
  now(): number {
    return performance.now() - this.origin;
  }

  begin(clientId: number, kind: string, input: KvInput): PendingOp {
    return { clientId, kind, call: this.now(), input };
  }

  ok(op: PendingOp, output: KvOutput): void {
    this.ops.push({ clientId: op.clientId, call: op.call, return: this.now(), input: op.input, output });
    this.count(op.kind, 'ok');
  }

  /** Timed out or cut off: may or may not have taken effect. */
  unknown(op: PendingOp): void {
    this.ops.push({ clientId: op.clientId, call: op.call, input: op.input });
    this.count(op.kind, 'unknown');
  }

  /** Certainly had no effect (never sent): counted, not recorded. */
  failed(op: PendingOp): void {
    this.count(op.kind, 'failed');
  }

  totals(): OpCounts {
    const t: OpCounts = { ok: 0, failed: 0, unknown: 0 };
    for (const c of this.byKind.values()) {
      t.ok += c.ok;
      t.failed += c.failed;
      t.unknown += c.unknown;
    }
    return t;
  }

  private count(kind: string, outcome: Outcome): void {
    let c = this.byKind.get(kind);
    if (c === undefined) this.byKind.set(kind, (c = { ok: 0, failed: 0, unknown: 0 }));
    c[outcome]++;
  }
}
