// Properties of one watcher's stream against the write history: valid, reliable, bookmarkable, prev_kv.

import type { KeyValueSnapshot, RecordedWatch, WatchEvent, WatchViolation } from './types.ts';
import { effectiveStart, isProgressNotify, type WriteHistory } from './write-history.ts';

const show = JSON.stringify;

/** Every delivered event is the history's: same revision, key, type and (for puts) value and metadata. */
export function checkValid(watch: RecordedWatch, name: string, history: WriteHistory): WatchViolation[] {
  const violations: WatchViolation[] = [];
  const complete = history.first <= 2;
  watch.responses.forEach((r, response) => {
    for (const e of r.events) {
      const rev = e.kv.modRevision;
      if (!history.has(rev)) continue;
      const base = { property: 'valid' as const, watch: name, response, revision: rev, key: e.kv.key };
      const actual = history.eventsAt(rev).find((h) => h.key === e.kv.key);
      if (actual === undefined || actual.type !== e.type) {
        violations.push({ ...base, description: `${name}: received a ${e.type} of ${show(e.kv.key)} at revision ${rev}, but the history has ${actual ? `a ${actual.type}` : 'no change of that key'} there` });
        continue;
      }
      if (e.type === 'delete') continue;
      const kv = history.stateBefore(e.kv.key, rev + 1) as KeyValueSnapshot;
      const mismatch = describeMismatch(e.kv, kv, complete || actual.createRevision !== undefined, complete || actual.version !== undefined);
      if (mismatch) violations.push({ ...base, description: `${name}: the put of ${show(e.kv.key)} at revision ${rev} ${mismatch}` });
    }
  });
  return violations;
}

function describeMismatch(got: WatchEvent['kv'], want: KeyValueSnapshot, checkCreate: boolean, checkVersion: boolean): string | undefined {
  if (got.value !== undefined && got.value !== want.value) return `carries ${show(got.value)}, the history wrote ${show(want.value)}`;
  if (checkCreate && got.createRevision !== undefined && got.createRevision !== want.createRevision) {
    return `has create revision ${got.createRevision}, the history says ${want.createRevision}`;
  }
  if (checkVersion && got.version !== undefined && got.version !== want.version) return `has version ${got.version}, the history says ${want.version}`;
  return undefined;
}

/** The last revision the stream vouches for: its last event, or the end of a compacted/canceled stream. */
function lastEventRevision(watch: RecordedWatch): number {
  let last = -Infinity;
  for (const r of watch.responses) for (const e of r.events) last = Math.max(last, e.kv.modRevision);
  return last;
}

/** No revision of the watched range is skipped between the start revision and the last event received. */
export function checkReliable(watch: RecordedWatch, name: string, history: WriteHistory): WatchViolation[] {
  const start = effectiveStart(watch);
  const last = lastEventRevision(watch);
  if (start === undefined || last === -Infinity) return [];
  const delivered = new Set<number>();
  for (const r of watch.responses) for (const e of r.events) delivered.add(e.kv.modRevision);
  const missing = new Map<number, string[]>();
  for (const x of history.expected(watch.request, start, last)) {
    if (delivered.has(x.revision)) continue;
    missing.set(x.revision, [...(missing.get(x.revision) ?? []), `${x.event.type} ${show(x.event.key)}`]);
  }
  return [...missing].map(([revision, events]) => ({
    property: 'reliable' as const,
    watch: name,
    revision,
    description: `${name}: revision ${revision} (${events.join(', ')}) was never delivered, though the stream went on to revision ${last}`,
  }));
}

/** After a progress notification at revision R, every event up to R has been delivered, and none arrives later. */
export function checkBookmarkable(watch: RecordedWatch, name: string, history: WriteHistory): WatchViolation[] {
  const start = effectiveStart(watch);
  if (start === undefined) return [];
  const violations: WatchViolation[] = [];
  const delivered = new Set<string>();
  let bookmark = -Infinity;
  let bookmarkAt = -1;
  watch.responses.forEach((r, response) => {
    for (const e of r.events) {
      if (e.kv.modRevision <= bookmark) {
        violations.push({ property: 'bookmarkable', watch: name, response, revision: e.kv.modRevision, key: e.kv.key, description: `${name}: event ${show(e.kv.key)} at revision ${e.kv.modRevision} arrived after the progress notification at ${bookmark} (response ${bookmarkAt})` });
      }
      delivered.add(`${e.kv.modRevision}\u0000${e.kv.key}`);
    }
    if (!isProgressNotify(r) || r.headerRevision <= bookmark) return;
    const missing = history.expected(watch.request, start, r.headerRevision).filter((x) => !delivered.has(`${x.revision}\u0000${x.event.key}`));
    if (missing.length > 0) {
      const m = missing[0];
      violations.push({ property: 'bookmarkable', watch: name, response, revision: m.revision, key: m.event.key, description: `${name}: progress notification at revision ${r.headerRevision} (response ${response}), but the ${m.event.type} of ${show(m.event.key)} at revision ${m.revision} had not been delivered${missing.length > 1 ? ` (${missing.length} events missing)` : ''}` });
    }
    bookmark = r.headerRevision;
    bookmarkAt = response;
  });
  return violations;
}

/** With prev_kv, each event carries the key as it was at mod_revision − 1; without, none does. */
export function checkPrevKv(watch: RecordedWatch, name: string, history: WriteHistory): WatchViolation[] {
  const violations: WatchViolation[] = [];
  const asked = watch.request.prevKv === true;
  watch.responses.forEach((r, response) => {
    for (const e of r.events) {
      const rev = e.kv.modRevision;
      const base = { property: 'prev-kv' as const, watch: name, response, revision: rev, key: e.kv.key };
      if (!asked) {
        if (e.prevKv !== undefined) violations.push({ ...base, description: `${name}: event ${show(e.kv.key)} at revision ${rev} carries a prev_kv nobody asked for` });
        continue;
      }
      const want = history.stateBefore(e.kv.key, rev);
      if (want === 'unknown' || !history.has(rev)) continue;
      const got = e.prevKv;
      if (want === undefined) {
        if (got !== undefined) violations.push({ ...base, description: `${name}: event ${show(e.kv.key)} at revision ${rev} has prev_kv ${describeKv(got)}, but the key did not exist at ${rev - 1}` });
        continue;
      }
      if (got === undefined) {
        violations.push({ ...base, description: `${name}: event ${show(e.kv.key)} at revision ${rev} lacks prev_kv; at ${rev - 1} it was ${describeKv(want)}` });
      } else if (got.key !== want.key || got.value !== want.value || got.modRevision !== want.modRevision || (history.first <= 2 && (got.version !== want.version || got.createRevision !== want.createRevision))) {
        violations.push({ ...base, description: `${name}: event ${show(e.kv.key)} at revision ${rev} has prev_kv ${describeKv(got)}, but at ${rev - 1} it was ${describeKv(want)}` });
      }
    }
  });
  return violations;
}

function describeKv(kv: KeyValueSnapshot): string {
  return `${show(kv.key)}=${show(kv.value)} (mod ${kv.modRevision}, create ${kv.createRevision}, v${kv.version})`;
}
