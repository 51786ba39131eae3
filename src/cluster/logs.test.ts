import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatEntry, LogFollower, readMerged } from './logs.ts';

describe('barque logs', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges component files by time and formats pino lines', () => {
    dir = mkdtempSync(join(tmpdir(), 'barque-logs-'));
    writeFileSync(join(dir, 'etcd.log'), '{"level":30,"time":1000,"name":"etcd","msg":"a","term":2}\n{"level":50,"time":3000,"msg":"c"}\n');
    writeFileSync(join(dir, 'apiserver.log'), '{"level":30,"time":2000,"pid":7,"msg":"b"}\nnot json\n{"level":30,"time":3000,"name":"supervisor","component":"apiserver","msg":"d"}\n');
    const merged = readMerged(dir);
    expect(merged.map((e) => e.msg)).toEqual(['a', 'b', 'not json', 'd', 'c']);
    expect(merged.map((e) => e.component)).toEqual(['etcd', 'apiserver', 'apiserver', 'apiserver*', 'etcd']);
    expect(formatEntry(merged[0], 10)).toBe('00:00:01.000 etcd       INFO  a term=2');
    expect(formatEntry(merged[4], 10)).toBe('00:00:03.000 etcd       ERROR c');
    expect(readMerged(dir, ['etcd']).map((e) => e.msg)).toEqual(['a', 'c']);
  });

  it('follows appended lines, whole lines only, in new files too', () => {
    dir = mkdtempSync(join(tmpdir(), 'barque-logs-'));
    writeFileSync(join(dir, 'etcd.log'), '{"time":1,"msg":"old"}\n');
    const f = new LogFollower(dir);
    expect(f.poll()).toEqual([]);
    appendFileSync(join(dir, 'etcd.log'), '{"time":5,"msg":"new"}\n{"time":6,"ms');
    writeFileSync(join(dir, 'scheduler.log'), '{"time":4,"msg":"s"}\n');
    expect(f.poll().map((e) => e.msg)).toEqual(['s', 'new']);
    appendFileSync(join(dir, 'etcd.log'), 'g":"rest"}\n');
    expect(f.poll().map((e) => e.msg)).toEqual(['rest']);
  });
});
