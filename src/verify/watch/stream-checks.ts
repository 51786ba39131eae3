// Properties of one watcher's stream on its own: ordered, unique, atomic, filters respected.

import { inWatchedRange, passesFilters } from './write-history.ts';
import type { WriteHistory } from './write-history.ts';
import type { RecordedWatch, WatchViolation } from './types.ts';

export function watchName(watch: RecordedWatch, index: number): string {
  return watch.name ?? `watch #${index}`;
}

/** Revisions strictly increase from response to response (a fragmented revision may continue), never decrease within one. */
export function checkOrdered(watch: RecordedWatch, name: string): WatchViolation[] {
  const violations: WatchViolation[] = [];
  let last = -Infinity;
  let lastHeader = -Infinity;
  let continuesFragment = false;
  watch.responses.forEach((r, response) => {
    if (r.headerRevision < lastHeader) {
      violations.push({ property: 'ordered', watch: name, response, description: `${name}: response ${response} has header revision ${r.headerRevision}, below the previous ${lastHeader}` });
    }
    lastHeader = Math.max(lastHeader, r.headerRevision);
    r.events.forEach((e, i) => {
      const rev = e.kv.modRevision;
      const ok = i > 0 || continuesFragment ? rev >= last : rev > last;
      if (!ok) {
        const where = i === 0 ? 'the previous response ended at' : 'the previous event is at';
        violations.push({ property: 'ordered', watch: name, response, revision: rev, key: e.kv.key, description: `${name}: response ${response} event ${i} (${e.kv.key}) is at revision ${rev}, but ${where} ${last}` });
      }
      last = Math.max(last, rev);
    });
    continuesFragment = r.fragment === true;
  });
  return violations;
}

export function checkUnique(watch: RecordedWatch, name: string): WatchViolation[] {
  const violations: WatchViolation[] = [];
  const seen = new Map<string, number>();
  watch.responses.forEach((r, response) => {
    for (const e of r.events) {
      const id = `${e.kv.modRevision}\u0000${e.kv.key}`;
      const first = seen.get(id);
      if (first !== undefined) {
        violations.push({ property: 'unique', watch: name, response, revision: e.kv.modRevision, key: e.kv.key, description: `${name}: the ${e.type} of ${JSON.stringify(e.kv.key)} at revision ${e.kv.modRevision} arrived twice (responses ${first} and ${response})` });
      } else seen.set(id, response);
    }
  });
  return violations;
}

/** A revision's events arrive in one response, or in consecutive fragments; all of them, once one does. */
export function checkAtomic(watch: RecordedWatch, name: string, history: WriteHistory): WatchViolation[] {
  const violations: WatchViolation[] = [];
  const responsesOf = new Map<number, number[]>();
  const delivered = new Map<number, Set<string>>();
  watch.responses.forEach((r, response) => {
    for (const e of r.events) {
      const rev = e.kv.modRevision;
      const list = responsesOf.get(rev) ?? [];
      if (list.at(-1) !== response) list.push(response);
      responsesOf.set(rev, list);
      delivered.set(rev, (delivered.get(rev) ?? new Set()).add(e.kv.key));
    }
  });
  for (const [rev, list] of responsesOf) {
    const fragmented = list.every((response, i) => i === list.length - 1 || (watch.responses[response].fragment === true && list[i + 1] === response + 1));
    if (!fragmented) {
      violations.push({ property: 'atomic', watch: name, response: list[1], revision: rev, description: `${name}: revision ${rev} is split across responses ${list.join(', ')} without fragment flags` });
    }
    if (!history.has(rev)) continue;
    const expected = history.expected(watch.request, rev, rev);
    const missing = expected.filter((x) => !delivered.get(rev)!.has(x.event.key));
    if (missing.length > 0) {
      violations.push({ property: 'atomic', watch: name, response: list.at(-1), revision: rev, key: missing[0].event.key, description: `${name}: revision ${rev} delivered ${expected.length - missing.length} of its ${expected.length} events; missing ${missing.map((x) => `${x.event.type} ${JSON.stringify(x.event.key)}`).join(', ')}` });
    }
  }
  return violations;
}

export function checkFilters(watch: RecordedWatch, name: string): WatchViolation[] {
  const violations: WatchViolation[] = [];
  watch.responses.forEach((r, response) => {
    for (const e of r.events) {
      const base = { property: 'filters' as const, watch: name, response, revision: e.kv.modRevision, key: e.kv.key };
      if (!inWatchedRange(watch.request, e.kv.key)) {
        violations.push({ ...base, description: `${name}: received ${JSON.stringify(e.kv.key)} at revision ${e.kv.modRevision}, outside the watched range` });
      }
      if (!passesFilters(watch.request, e.type)) {
        violations.push({ ...base, description: `${name}: received a ${e.type} of ${JSON.stringify(e.kv.key)} at revision ${e.kv.modRevision} despite the ${e.type === 'put' ? 'noPut' : 'noDelete'} filter` });
      }
    }
  });
  return violations;
}
