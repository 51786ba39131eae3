import { describe, expect, it } from 'vitest';
import { parseJepsenArgs } from './cli.ts';

describe('npm run jepsen: arguments', () => {
  it('defaults and explicit values', () => {
    const a = parseJepsenArgs(['--time', '20', '--seed', '5', '--runs', '3']);
    expect(a).toMatchObject({ timeSeconds: 20, seed: 5, runs: 3, impl: 'barque', clients: 5, nemesis: ['kill', 'pause', 'partition', 'member'], memberTarget: 'any' });
    expect(parseJepsenArgs(['--nemesis', 'kill,partition', '--seed', '1']).nemesis).toEqual(['kill', 'partition']);
    expect(parseJepsenArgs(['--nemesis', 'none', '--seed', '1']).nemesis).toEqual([]);
  });

  it('all means the faults the implementation supports: no partitions for real etcd', () => {
    expect(parseJepsenArgs(['--impl', 'etcd', '--seed', '1']).nemesis).toEqual(['kill', 'pause', 'member']);
    expect(() => parseJepsenArgs(['--impl', 'etcd', '--nemesis', 'partition'])).toThrow(/needs --impl barque/);
  });

  it('rejects bad values with the flag named', () => {
    expect(() => parseJepsenArgs(['--nemesis', 'flood'])).toThrow(/unknown nemesis "flood"/);
    expect(() => parseJepsenArgs(['--time', '0'])).toThrow(/--time must be an integer >= 1/);
    expect(() => parseJepsenArgs(['--impl', 'zk'])).toThrow(/--impl must be barque or etcd/);
    expect(() => parseJepsenArgs(['--member-target', 'leader'])).toThrow(/--member-target/);
  });
});
