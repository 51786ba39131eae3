// Key-range permissions as etcd checks them. A role's permission is a key, a range [key, range_end), or "from key"
// (range_end "\0": everything from key on); a user may do what the union of its roles' permissions covers. A
// request's range must be covered completely and contiguously; a single key must fall inside one permission.

export enum PermissionType {
  Read = 0,
  Write = 1,
  ReadWrite = 2,
}

export interface KeyPermission {
  permType: PermissionType;
  key: Buffer;
  /** Empty: the single key; "\0": from key on. */
  rangeEnd: Buffer;
}

/** [begin, end); end undefined = unbounded. */
interface Interval {
  begin: Buffer;
  end: Buffer | undefined;
}

const ZERO = Buffer.from([0]);
const isFromKey = (rangeEnd: Buffer) => rangeEnd.length === 1 && rangeEnd[0] === 0;

function intervalOf(key: Buffer, rangeEnd: Buffer): Interval {
  if (rangeEnd.length === 0) return { begin: key, end: Buffer.concat([key, ZERO]) }; // a key: [key, key\0)
  return { begin: key, end: isFromKey(rangeEnd) ? undefined : rangeEnd };
}

/** end a is past (or at) end b, unbounded being the largest. */
const endAtLeast = (a: Buffer | undefined, b: Buffer | undefined) => a === undefined || (b !== undefined && Buffer.compare(a, b) >= 0);

function intersects(a: Interval, b: Interval): boolean {
  const aBeforeB = a.end !== undefined && Buffer.compare(a.end, b.begin) <= 0;
  const bBeforeA = b.end !== undefined && Buffer.compare(b.end, a.begin) <= 0;
  return !aBeforeB && !bBeforeA;
}

/** A user's merged permissions of one kind (read or write), sorted by begin: what it may touch. */
export class PermissionSet {
  private readonly intervals: Interval[];

  constructor(perms: readonly KeyPermission[]) {
    this.intervals = perms.map((p) => intervalOf(p.key, p.rangeEnd)).sort((a, b) => Buffer.compare(a.begin, b.begin));
  }

  /** Whether a request on key (rangeEnd empty) or on [key, rangeEnd) (rangeEnd "\0": from key) is permitted. */
  permits(key: Buffer, rangeEnd: Buffer | undefined): boolean {
    const wanted = intervalOf(key, rangeEnd ?? Buffer.alloc(0));
    if (rangeEnd === undefined || rangeEnd.length === 0) return this.intervals.some((i) => intersects(i, wanted));
    // The permissions meeting the range must chain without a gap from its begin past its end.
    let begin: Buffer | undefined;
    let end: Buffer | undefined;
    for (const i of this.intervals) {
      if (!intersects(i, wanted)) continue;
      if (begin === undefined) {
        begin = i.begin;
        end = i.end;
        continue;
      }
      if (end !== undefined && Buffer.compare(end, i.begin) < 0) return false;
      if (!endAtLeast(end, i.end)) end = i.end;
    }
    return begin !== undefined && Buffer.compare(begin, wanted.begin) <= 0 && endAtLeast(end, wanted.end);
  }
}

/** Read and write sets of a user's roles' permissions (READWRITE counts for both). */
export function mergePermissions(perms: readonly KeyPermission[]): { read: PermissionSet; write: PermissionSet } {
  return {
    read: new PermissionSet(perms.filter((p) => p.permType !== PermissionType.Write)),
    write: new PermissionSet(perms.filter((p) => p.permType !== PermissionType.Read)),
  };
}
