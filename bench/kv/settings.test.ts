import { describe, expect, it } from 'vitest';
import { parseRunOptions, UsageError } from './settings.ts';

describe('bench kv flags', () => {
  it('has the documented defaults', () => {
    const o = parseRunOptions([]);
    expect(o.targets).toEqual(['barque', 'etcd']);
    expect(o.members).toBe(3);
    expect(o.clients).toEqual([1, 16, 100, 500]);
    expect(o.settings).toMatchObject({ keyBytes: 256, valueBytes: 1024, durationMs: 10_000, checkPerfLoads: ['s', 'm'], connections: 6 });
  });

  it('lowers defaults in quick mode but lets explicit flags win', () => {
    const o = parseRunOptions(['--quick', '--duration', '500ms', '--targets', 'etcd', '--check-perf', 'none', '--members', '1']);
    expect(o.clients).toEqual([1, 16]);
    expect(o.targets).toEqual(['etcd']);
    expect(o.settings.durationMs).toBe(500);
    expect(o.settings.checkPerfLoads).toEqual([]);
    expect(o.settings.connections).toBe(2);
  });

  it('rejects what it does not understand', () => {
    expect(() => parseRunOptions(['--targets', 'zookeeper'])).toThrow(UsageError);
    expect(() => parseRunOptions(['--clients', '0'])).toThrow(UsageError);
    expect(() => parseRunOptions(['--duration', 'soon'])).toThrow(UsageError);
    expect(() => parseRunOptions(['--check-perf', 'huge'])).toThrow(UsageError);
    expect(() => parseRunOptions(['--bogus'])).toThrow();
  });
});
