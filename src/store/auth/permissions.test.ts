import { describe, expect, it } from 'vitest';
import { mergePermissions, PermissionSet, PermissionType, type KeyPermission } from './permissions.ts';

const b = (s: string) => Buffer.from(s);
const ZERO = Buffer.from([0]);
const perm = (permType: PermissionType, key: string, rangeEnd: string | Buffer = ''): KeyPermission => ({
  permType,
  key: b(key),
  rangeEnd: typeof rangeEnd === 'string' ? b(rangeEnd) : rangeEnd,
});

describe('auth: key-range permissions', () => {
  it('a single-key permission allows that key only', () => {
    const set = new PermissionSet([perm(PermissionType.Read, '/a')]);
    expect(set.permits(b('/a'), undefined)).toBe(true);
    expect(set.permits(b('/a/1'), undefined)).toBe(false);
    expect(set.permits(b('/a'), b('/b'))).toBe(false); // a range starting at the key is more than the key
  });

  it('a prefix permission covers the prefix and any range inside it, not a wider one', () => {
    const set = new PermissionSet([perm(PermissionType.ReadWrite, '/p/', '/p0')]);
    expect(set.permits(b('/p/1'), undefined)).toBe(true);
    expect(set.permits(b('/p/'), b('/p0'))).toBe(true);
    expect(set.permits(b('/p/a'), b('/p/z'))).toBe(true);
    expect(set.permits(b('/p'), b('/q'))).toBe(false);
    expect(set.permits(b('/p0'), undefined)).toBe(false);
  });

  it('"from key" permissions are unbounded above; a from-key request needs one', () => {
    const open = new PermissionSet([perm(PermissionType.Write, '/z', ZERO)]);
    expect(open.permits(b('/zzz'), undefined)).toBe(true);
    expect(open.permits(b('/z'), ZERO)).toBe(true);
    expect(open.permits(b('/y'), ZERO)).toBe(false);
    const bounded = new PermissionSet([perm(PermissionType.Write, '/z', '/zz')]);
    expect(bounded.permits(b('/z'), ZERO)).toBe(false);
  });

  it('ranges are covered by the union of permissions only without a gap', () => {
    const touching = new PermissionSet([perm(PermissionType.Read, '/a', '/c'), perm(PermissionType.Read, '/c', '/e')]);
    expect(touching.permits(b('/a'), b('/e'))).toBe(true);
    expect(touching.permits(b('/b'), b('/d'))).toBe(true);
    const gap = new PermissionSet([perm(PermissionType.Read, '/a', '/c'), perm(PermissionType.Read, '/d', '/e')]);
    expect(gap.permits(b('/a'), b('/e'))).toBe(false);
    expect(gap.permits(b('/d'), b('/e'))).toBe(true);
  });

  it('merging splits READWRITE into both sets and keeps READ and WRITE apart', () => {
    const merged = mergePermissions([perm(PermissionType.Read, '/r'), perm(PermissionType.Write, '/w'), perm(PermissionType.ReadWrite, '/rw')]);
    expect([merged.read.permits(b('/r'), undefined), merged.write.permits(b('/r'), undefined)]).toEqual([true, false]);
    expect([merged.read.permits(b('/w'), undefined), merged.write.permits(b('/w'), undefined)]).toEqual([false, true]);
    expect([merged.read.permits(b('/rw'), undefined), merged.write.permits(b('/rw'), undefined)]).toEqual([true, true]);
  });

  it('nothing is permitted by no permissions', () => {
    expect(new PermissionSet([]).permits(b('/a'), undefined)).toBe(false);
    expect(new PermissionSet([]).permits(b('/a'), ZERO)).toBe(false);
  });
});
