// Text for a seed's outcome, shared by the CLI and the tests. Only virtual time and counts: byte-identical on replay.
import type { SimResult } from './simulator.ts';

export const TRACE_TAIL_LINES = 40;

export function failureLine(r: SimResult): string {
  if (r.violation !== undefined) return `seed ${r.seed} FAIL ${r.violation.kind}: ${r.violation.description}`;
  return `seed ${r.seed} FAIL did not converge`;
}

export function outcomeLines(r: SimResult): string[] {
  const s = r.stats;
  const lines = [
    `seed ${r.seed}: ${r.ok ? 'ok' : 'FAIL'}`,
    `  mix: ${r.mix}`,
    `  virtual ${r.virtualMs}ms, ${r.events} events, converged ${r.converged ? `${r.convergedAfterMs}ms after healing` : 'no'}`,
    `  proposals ${s.proposals} (acked ${s.acked}, failed ${s.failed}), messages ${s.messagesSent} (dropped ${s.messagesDropped}), ` +
      `snapshots sent ${s.snapshotsSent}, crashes ${s.crashes}, conf changes ${s.confChanges}, leaders ${s.leaders}, reads ${s.reads}`,
  ];
  if (!r.ok) lines.push(`  ${failureLine(r)}`);
  return lines;
}
