// Raised alarms (etcd's alarm store): which member has which alarm. Applied state, persisted under the 'a' prefix
// in the same batch as everything else the entry changed.
import type { DbOp, MvccDb } from '../mvcc/index.ts';

export enum AlarmType {
  None = 0,
  NoSpace = 1,
  Corrupt = 2,
}

export interface AlarmMember {
  memberId: bigint;
  alarm: AlarmType;
}

export const ALARM_PREFIX = 0x61; // 'a'
const ALARM_KEY_RANGE = { gte: Buffer.from([ALARM_PREFIX]), lt: Buffer.from([ALARM_PREFIX + 1]) };

function alarmKey(a: AlarmMember): Buffer {
  const key = Buffer.allocUnsafe(10);
  key[0] = ALARM_PREFIX;
  key.writeBigUInt64BE(BigInt.asUintN(64, a.memberId), 1);
  key[9] = a.alarm;
  return key;
}

export class AlarmStore {
  private readonly raised = new Map<string, AlarmMember>();
  private pendingOps: DbOp[] = [];

  static async open(db: MvccDb): Promise<AlarmStore> {
    const store = new AlarmStore();
    await store.reload(db);
    return store;
  }

  /** Replaces the alarms with the database's records (start, or after a snapshot restore). */
  async reload(db: MvccDb): Promise<void> {
    this.raised.clear();
    this.pendingOps = [];
    for await (const key of db.keys(ALARM_KEY_RANGE)) {
      const a = { memberId: key.readBigUInt64BE(1), alarm: key[9] as AlarmType };
      this.raised.set(alarmKey(a).toString('hex'), a);
    }
  }

  /** Raises an alarm; returns it when newly raised, undefined when it was already up. */
  activate(a: AlarmMember): AlarmMember | undefined {
    const id = alarmKey(a).toString('hex');
    if (this.raised.has(id)) return undefined;
    this.raised.set(id, a);
    this.pendingOps.push({ type: 'put', key: alarmKey(a), value: Buffer.alloc(0) });
    return a;
  }

  /** Clears an alarm; returns it when it was up. */
  deactivate(a: AlarmMember): AlarmMember | undefined {
    const id = alarmKey(a).toString('hex');
    const had = this.raised.get(id);
    if (had === undefined) return undefined;
    this.raised.delete(id);
    this.pendingOps.push({ type: 'del', key: alarmKey(a) });
    return had;
  }

  has(alarm: AlarmType): boolean {
    for (const a of this.raised.values()) if (a.alarm === alarm) return true;
    return false;
  }

  list(alarm: AlarmType = AlarmType.None): AlarmMember[] {
    return [...this.raised.values()].filter((a) => alarm === AlarmType.None || a.alarm === alarm);
  }

  takeOps(): DbOp[] {
    const ops = this.pendingOps;
    this.pendingOps = [];
    return ops;
  }
}
