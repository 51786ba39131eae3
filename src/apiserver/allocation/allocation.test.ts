import { describe, expect, it } from 'vitest';
import { invalid } from '../rest/status.ts';
import { KeyedAllocator, type AllocationStore } from './keyed-allocator.ts';
import { parseCidr, parsePortRange } from './ranges.ts';
import { ServiceAllocator } from './service-allocation.ts';

/** The store's one guarantee, in memory: a key is created only if absent. */
class MemoryStore implements AllocationStore {
  readonly keys = new Map<string, string>();
  async createIfAbsent(key: string, value: string): Promise<boolean> {
    if (this.keys.has(key)) return false;
    this.keys.set(key, value);
    return true;
  }
  async remove(key: string): Promise<void> {
    this.keys.delete(key);
  }
  async listKeys(prefix: string): Promise<string[]> {
    return [...this.keys.keys()].filter((k) => k.startsWith(prefix));
  }
}

/** A deterministic stand-in for crypto's randomInt. */
function seeded(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
}

describe('ranges', () => {
  it('excludes the network and broadcast addresses of a CIDR', () => {
    const r = parseCidr('127.10.0.0/16');
    expect(r.size).toBe(65534);
    expect(r.itemAt(0)).toBe('127.10.0.1');
    expect(r.itemAt(r.size - 1)).toBe('127.10.255.254');
    expect(r.offsetOf('127.10.0.0')).toBe(-1);
    expect(r.offsetOf('127.10.255.255')).toBe(-1);
    expect(r.offsetOf('127.10.1.0')).toBe(255);
    expect(r.offsetOf('10.0.0.1')).toBe(-1);
    expect(parseCidr('127.10.3.7/24').text).toBe('127.10.3.0/24');
    expect(() => parseCidr('127.10.0.0')).toThrow('invalid CIDR');
    expect(() => parseCidr('300.1.1.1/16')).toThrow('invalid CIDR');
  });
  it('includes both ends of a port range', () => {
    const r = parsePortRange('30000-32767');
    expect(r.size).toBe(2768);
    expect(r.itemAt(0)).toBe('30000');
    expect(r.offsetOf('32767')).toBe(2767);
    expect(r.offsetOf('29999')).toBe(-1);
    expect(() => parsePortRange('9-1')).toThrow('invalid port range');
  });
});

describe('KeyedAllocator', () => {
  it('hands out every item of a small range exactly once, then reports it full', async () => {
    const store = new MemoryStore();
    const a = new KeyedAllocator(store, '/p/', parseCidr('127.0.0.0/29'), seeded(7));
    const got = [];
    for (let i = 0; i < 6; i++) got.push(await a.allocateNext('x'));
    expect(new Set(got)).toEqual(new Set(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']));
    expect(await a.allocateNext('x')).toBeNull();
    await a.release('127.0.0.4');
    expect(await a.allocateNext('x')).toBe('127.0.0.4');
  });
  it('claims a requested item once and refuses one outside the range', async () => {
    const a = new KeyedAllocator(new MemoryStore(), '/p/', parsePortRange('30000-30010'), seeded(1));
    expect(await a.allocate('30005', 'a')).toBe('allocated');
    expect(await a.allocate('30005', 'b')).toBe('taken');
    expect(await a.allocate('80', 'c')).toBe('out-of-range');
  });
  it('never hands the same item to two allocators sharing a store', async () => {
    const store = new MemoryStore();
    const range = parseCidr('127.0.0.0/26');
    const one = new KeyedAllocator(store, '/p/', range, seeded(3));
    const two = new KeyedAllocator(store, '/p/', range, seeded(3));
    const got = await Promise.all(Array.from({ length: 62 }, (_, i) => (i % 2 === 0 ? one : two).allocateNext(String(i))));
    expect(got).not.toContain(null);
    expect(new Set(got).size).toBe(62);
  });
});

describe('ServiceAllocator hooks', () => {
  const svc = (spec: Record<string, unknown>): { metadata: Record<string, string>; spec: Record<string, unknown> } => ({ metadata: { name: 's', namespace: 'n' }, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec } });

  it('assigns a cluster IP, honours a requested one, and undoes on a failed write', async () => {
    const store = new MemoryStore();
    const hooks = new ServiceAllocator(store, { clusterIpRange: '127.10.0.0/16', randomInt: seeded(5) }).hooks();
    const a = svc({});
    const undo = await hooks.beforeCreate!(a, false);
    expect(a.spec).toMatchObject({ clusterIP: expect.stringMatching(/^127\.10\./), clusterIPs: [expect.any(String)] });
    await undo();
    expect(store.keys.size).toBe(0);
    const b = svc({ clusterIP: '127.10.0.9' });
    await hooks.beforeCreate!(b, false);
    await expect(hooks.beforeCreate!(svc({ clusterIP: '127.10.0.9' }), false)).rejects.toMatchObject({ code: 422 });
    expect([...store.keys.keys()]).toEqual(['/registry/ranges/serviceips/127.10.0.9']);
  });

  it('gives headless and ExternalName services no IP, and dry runs claim nothing', async () => {
    const store = new MemoryStore();
    const hooks = new ServiceAllocator(store).hooks();
    const headless = svc({ clusterIP: 'None' });
    await hooks.beforeCreate!(headless, false);
    expect(headless.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    await hooks.beforeCreate!(svc({ type: 'ExternalName', externalName: 'x.example' }), false);
    await hooks.beforeCreate!(svc({ type: 'NodePort' }), true);
    expect(store.keys.size).toBe(0);
  });

  it('releases node ports an update drops and everything on delete', async () => {
    const store = new MemoryStore();
    const hooks = new ServiceAllocator(store, { randomInt: seeded(9) }).hooks();
    const current = svc({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] });
    await hooks.beforeCreate!(current, false);
    expect(store.keys.size).toBe(2);
    const next = svc({ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] });
    const { commit } = await hooks.beforeUpdate!(next, current, false);
    expect(next.spec.clusterIP).toBe(current.spec.clusterIP);
    await commit();
    expect([...store.keys.keys()].some((k) => k.includes('servicenodeports'))).toBe(false);
    await hooks.afterDelete!(next);
    expect(store.keys.size).toBe(0);
  });

  it('words failures as kube-apiserver does', async () => {
    const hooks = new ServiceAllocator(new MemoryStore(), { nodePortRange: '30000-30001' }).hooks();
    const err = await hooks.beforeCreate!(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }), false).catch((e: unknown) => e);
    expect(err).toEqual(
      invalid('Service', '', 's', [
        { reason: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: 'Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-30001' },
      ]),
    );
  });
});
