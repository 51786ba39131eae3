import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { correctWatch, HISTORY } from './test-helpers.ts';
import type { RecordedWatch, RecordedWatchResponse, RevisionRecord, WatchProperty } from './types.ts';
import { formatWatchViolations, validateWatches } from './validate.ts';

const ALL = { key: '\0', rangeEnd: '\0', startRevision: 2 };

function withResponses(watch: RecordedWatch, edit: (responses: RecordedWatchResponse[]) => RecordedWatchResponse[]): RecordedWatch {
  return { ...watch, responses: edit(watch.responses.map((r) => ({ ...r, events: [...r.events] }))) };
}

function properties(watches: RecordedWatch[], records: RevisionRecord[] = HISTORY): WatchProperty[] {
  return [...new Set(validateWatches(records, watches).map((v) => v.property))];
}

describe('watch validators', () => {
  it('accept correct streams for ranges, single keys, filters and prev_kv', () => {
    const watches = [
      correctWatch(HISTORY, ALL, 'all'),
      correctWatch(HISTORY, { key: 'a', startRevision: 3, prevKv: true }, 'a'),
      correctWatch(HISTORY, { key: 'a', rangeEnd: 'c', startRevision: 2, filters: ['noDelete'] }, 'a..c'),
      correctWatch(HISTORY, { key: 'b', rangeEnd: '\0', startRevision: 4, filters: ['noPut'], prevKv: true }, 'b..'),
      correctWatch(HISTORY, { ...ALL, startRevision: 5 }, 'all from 5'),
    ];
    const violations = validateWatches(HISTORY, watches);
    expect(formatWatchViolations(violations)).toBe('All watch properties hold.');
  });

  it('ordered: revisions going backwards across responses', () => {
    const w = withResponses(correctWatch(HISTORY, ALL), (rs) => [rs[0], rs[2], rs[1], ...rs.slice(3)]);
    const v = validateWatches(HISTORY, [w], { properties: ['ordered'] });
    expect(v.map((x) => x.property)).toEqual(['ordered']);
    expect(v[0].description).toBe('watch #0: response 2 event 0 (a) is at revision 2, but the previous response ended at 3');
  });

  it('unique: the same event twice', () => {
    const w = withResponses(correctWatch(HISTORY, ALL), (rs) => [...rs.slice(0, 2), { ...rs[1] }, ...rs.slice(2)]);
    const v = validateWatches(HISTORY, [w], { properties: ['unique'] });
    expect(v).toHaveLength(1);
    expect(v[0].description).toContain('the put of "a" at revision 2 arrived twice (responses 1 and 2)');
  });

  it('atomic: one revision split over two responses without fragment flags, or delivered in part', () => {
    const split = withResponses(correctWatch(HISTORY, ALL), (rs) => {
      const rev4 = rs[3];
      return [...rs.slice(0, 3), { ...rev4, events: [rev4.events[0]] }, { ...rev4, events: [rev4.events[1]] }, ...rs.slice(4)];
    });
    expect(properties([split])).toEqual(['ordered', 'atomic']);
    const fragmented = withResponses(split, (rs) => rs.map((r, i) => (i === 3 ? { ...r, fragment: true } : r)));
    expect(properties([fragmented])).toEqual([]);
    const partial = withResponses(correctWatch(HISTORY, ALL), (rs) => rs.map((r, i) => (i === 3 ? { ...r, events: [r.events[0]] } : r)));
    const v = validateWatches(HISTORY, [partial]);
    expect(v.map((x) => x.property)).toEqual(['atomic', 'bookmarkable']);
    expect(v[0].description).toBe('watch #0: revision 4 delivered 1 of its 2 events; missing delete "b"');
  });

  it('reliable: a revision skipped', () => {
    const w = withResponses(correctWatch(HISTORY, ALL), (rs) => rs.filter((_, i) => i !== 2));
    const v = validateWatches(HISTORY, [w], { properties: ['reliable'] });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ property: 'reliable', revision: 3 });
    expect(v[0].description).toBe('watch #0: revision 3 (put "b") was never delivered, though the stream went on to revision 7');
  });

  it('resumable: a watch resumed from a revision disagrees with the original', () => {
    const original = correctWatch(HISTORY, ALL, 'original');
    const resumed = correctWatch(HISTORY, { ...ALL, startRevision: 4 }, 'resumed');
    expect(properties([original, resumed])).toEqual([]);
    const wrong = withResponses(resumed, (rs) => rs.map((r, i) => (i === 3 ? { ...r, events: [{ type: 'put' as const, kv: { key: 'c', modRevision: 6, value: 'X' } }] } : r)));
    const v = validateWatches(HISTORY, [original, wrong], { properties: ['resumable'] });
    expect(v).toHaveLength(1);
    expect(v[0].description).toBe('resumed and original watch the same range but disagree between revisions 4 and 7: event 3 is 6 put "c"="1" for original and 6 put "c"="X" for resumed');
  });

  it('bookmarkable: a progress notification before all earlier events arrived', () => {
    const w = withResponses(correctWatch(HISTORY, ALL), (rs) => [rs[0], rs[1], { headerRevision: 7, events: [] }, ...rs.slice(2)]);
    const v = validateWatches(HISTORY, [w], { properties: ['bookmarkable'] });
    expect(v[0].description).toBe('watch #0: progress notification at revision 7 (response 2), but the put of "b" at revision 3 had not been delivered (6 events missing)');
    expect(v[1].description).toContain('event "b" at revision 3 arrived after the progress notification at 7');
  });

  it('prev-kv: a wrong, missing or unasked-for previous value', () => {
    const asked = correctWatch(HISTORY, { key: 'a', startRevision: 2, prevKv: true });
    const wrong = withResponses(asked, (rs) =>
      rs.map((r) => ({ ...r, events: r.events.map((e) => (e.kv.modRevision === 4 ? { ...e, prevKv: { ...e.prevKv!, value: 'stale' } } : e)) })),
    );
    const v = validateWatches(HISTORY, [wrong], { properties: ['prev-kv'] });
    expect(v).toHaveLength(1);
    expect(v[0].description).toBe('watch #0: event "a" at revision 4 has prev_kv "a"="stale" (mod 2, create 2, v1), but at 3 it was "a"="1" (mod 2, create 2, v1)');
    const missing = withResponses(asked, (rs) => rs.map((r) => ({ ...r, events: r.events.map((e) => ({ type: e.type, kv: e.kv })) })));
    expect(validateWatches(HISTORY, [missing], { properties: ['prev-kv'] }).map((x) => x.revision)).toEqual([4, 5]);
    const unasked = { ...asked, request: { ...asked.request, prevKv: false } };
    expect(validateWatches(HISTORY, [unasked], { properties: ['prev-kv'] })[0].description).toContain('carries a prev_kv nobody asked for');
  });

  it('filters: a filtered event type or a key outside the range', () => {
    const noDelete = correctWatch(HISTORY, { ...ALL, filters: ['noDelete'] });
    const leaked = withResponses(noDelete, (rs) => [...rs.slice(0, -1), { headerRevision: 7, events: [{ type: 'delete', kv: { key: 'a', modRevision: 5 } }] }]);
    const v = validateWatches(HISTORY, [leaked], { properties: ['filters'] });
    expect(v[0].description).toBe('watch #0: received a delete of "a" at revision 5 despite the noDelete filter');
    const single = correctWatch(HISTORY, { key: 'a', startRevision: 2 });
    const outside = withResponses(single, (rs) => [...rs.slice(0, -1), { headerRevision: 7, events: [{ type: 'put', kv: { key: 'c', modRevision: 6, value: '1' } }] }]);
    expect(validateWatches(HISTORY, [outside], { properties: ['filters'] })[0].description).toContain('outside the watched range');
  });

  it('valid: an event the history does not have', () => {
    const w = withResponses(correctWatch(HISTORY, ALL), (rs) => rs.map((r, i) => (i === 1 ? { ...r, events: [{ type: 'put' as const, kv: { key: 'a', modRevision: 2, value: 'zzz' } }] } : r)));
    const v = validateWatches(HISTORY, [w], { properties: ['valid'] });
    expect(v[0].description).toBe('watch #0: the put of "a" at revision 2 carries "zzz", the history wrote "1"');
  });

  it('accept correct streams of random histories (property)', () => {
    const keys = ['a', 'b', 'c', 'd'];
    const write = fc.record({ type: fc.constantFrom<'put' | 'delete'>('put', 'put', 'delete'), key: fc.constantFrom(...keys), value: fc.string({ maxLength: 2 }) });
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(write, { minLength: 1, maxLength: 3, selector: (w) => w.key }), { minLength: 1, maxLength: 25 }),
        fc.constantFrom<[string, string | undefined]>(['a', undefined], ['b', 'd'], ['\0', '\0'], ['c', '\0']),
        fc.nat(30),
        fc.boolean(),
        fc.option(fc.constantFrom<'noPut' | 'noDelete'>('noPut', 'noDelete'), { nil: undefined }),
        (batches, [key, rangeEnd], start, prevKv, filter) => {
          const records: RevisionRecord[] = batches.map((events, i) => ({ revision: i + 2, events: events.map((e) => (e.type === 'put' ? e : { type: e.type, key: e.key })) }));
          const request = { key, rangeEnd, startRevision: 2 + (start % records.length), prevKv, filters: filter ? [filter] : [] };
          const watches = [correctWatch(records, request, 'x'), correctWatch(records, { ...request, startRevision: 2 }, 'y')];
          expect(formatWatchViolations(validateWatches(records, watches))).toBe('All watch properties hold.');
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});
