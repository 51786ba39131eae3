// Two watches of the same range and filters agree on every revision both cover: resuming from revision R
// yields exactly what the original stream delivered from R.

import type { RecordedWatch, WatchEvent, WatchViolation } from './types.ts';
import { effectiveStart } from './write-history.ts';
import { watchName } from './stream-checks.ts';

function shape(w: RecordedWatch): string {
  const r = w.request;
  return JSON.stringify([r.key, r.rangeEnd ?? '', [...(r.filters ?? [])].sort(), r.prevKv === true]);
}

function fingerprint(e: WatchEvent, withPrev: boolean): string {
  const prev = withPrev && e.prevKv ? ` prev=${JSON.stringify(e.prevKv.value)}@${e.prevKv.modRevision}` : '';
  return `${e.kv.modRevision} ${e.type} ${JSON.stringify(e.kv.key)}${e.type === 'put' ? `=${JSON.stringify(e.kv.value ?? null)}` : ''}${prev}`;
}

function events(w: RecordedWatch): WatchEvent[] {
  return w.responses.flatMap((r) => r.events);
}

export function checkResumable(watches: readonly RecordedWatch[]): WatchViolation[] {
  const violations: WatchViolation[] = [];
  const groups = new Map<string, number[]>();
  watches.forEach((w, i) => groups.set(shape(w), [...(groups.get(shape(w)) ?? []), i]));
  for (const members of groups.values()) {
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const v = compare(watches, members[x], members[y]);
        if (v) violations.push(v);
      }
    }
  }
  return violations;
}

function compare(watches: readonly RecordedWatch[], i: number, j: number): WatchViolation | undefined {
  const [a, b] = [watches[i], watches[j]];
  const [startA, startB] = [effectiveStart(a), effectiveStart(b)];
  if (startA === undefined || startB === undefined) return undefined;
  const [evA, evB] = [events(a), events(b)];
  const lastOf = (ev: WatchEvent[]): number => ev.reduce((m, e) => Math.max(m, e.kv.modRevision), -Infinity);
  const from = Math.max(startA, startB);
  const to = Math.min(lastOf(evA), lastOf(evB));
  if (to < from) return undefined;
  const withPrev = a.request.prevKv === true;
  const window = (ev: WatchEvent[]) => ev.filter((e) => e.kv.modRevision >= from && e.kv.modRevision <= to).map((e) => fingerprint(e, withPrev));
  const [wa, wb] = [window(evA), window(evB)];
  const k = wa.findIndex((f, n) => f !== wb[n]);
  const at = k === -1 ? (wa.length === wb.length ? -1 : Math.min(wa.length, wb.length)) : k;
  if (at === -1) return undefined;
  const [nameA, nameB] = [watchName(a, i), watchName(b, j)];
  const original = startA <= startB ? nameA : nameB;
  const resumed = original === nameA ? nameB : nameA;
  return {
    property: 'resumable',
    watch: resumed,
    description:
      `${resumed} and ${original} watch the same range but disagree between revisions ${from} and ${to}: ` +
      `event ${at} is ${wa[at] ?? '(none)'} for ${nameA} and ${wb[at] ?? '(none)'} for ${nameB}`,
  };
}
