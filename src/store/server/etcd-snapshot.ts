// Maintenance.Snapshot's source: the member's state as etcd 3.4's backend file (bbolt), built by the snapshot room
// from our records. The MVCC store's revision keys are etcd's own byte layout, so bucket `key` is our 'k' records
// with the prefix dropped and each KeyValue re-encoded as mvccpb.KeyValue.
import { decodeKeyValue } from '../mvcc/index.ts';
import { KEY_PREFIX } from '../mvcc/index.ts';
import { etcdBackendBuckets, encodeEtcdKeyValue, writeBboltSnapshot } from '../snapshot/index.ts';
import type { ServerContext, SnapshotSource } from './context.ts';

/** etcd 3.4's cluster version record. */
const CLUSTER_VERSION = '3.4.0';

export async function etcdSnapshot(ctx: ServerContext): Promise<SnapshotSource> {
  await ctx.proposer.readBarrier();
  const keys: Array<[Buffer, Buffer]> = [];
  for await (const [k, v] of ctx.store.snapshotEntries()) {
    if (k[0] !== KEY_PREFIX) continue;
    keys.push([Buffer.from(k.subarray(1)), encodeEtcdKeyValue(decodeKeyValue(v))]);
  }
  const alarmCodec = ctx.codecs.type('etcdserverpb.AlarmMember');
  const alarms = ctx.alarms
    .list()
    .map((a): [Buffer, Buffer] => [alarmCodec.encode({ memberID: a.memberId, alarm: a.alarm }), Buffer.alloc(0)])
    .sort((a, b) => Buffer.compare(a[0], b[0]));
  const compacted = ctx.store.compactRevision;
  const database = writeBboltSnapshot(
    etcdBackendBuckets({
      keys,
      consistentIndex: BigInt(ctx.store.consistentIndex),
      ...(compacted > 0 ? { finishedCompactRev: BigInt(compacted), scheduledCompactRev: BigInt(compacted) } : {}),
      leases: ctx.lessor.list().map((l) => ({ id: l.id, ttlSeconds: BigInt(l.ttl) })),
      members: ctx.members().map((m) => ({ id: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls })),
      clusterVersion: CLUSTER_VERSION,
      ...authBuckets(ctx),
      alarms,
    }),
  );
  return { sizeBytes: database.length, chunks: once(database) };
}

/** etcd's auth buckets from the auth store: its flag, revision, users and roles (authpb records, bcrypt hashes). */
function authBuckets(ctx: ServerContext) {
  const auth = ctx.auth.store;
  const users = auth.userNames().map((name): [Buffer, Buffer] => {
    const u = auth.user(name);
    const value = ctx.codecs.type('authpb.User').encode({
      name: Buffer.from(name),
      password: Buffer.from(u?.passwordHash ?? ''),
      roles: u?.roles ?? [],
      options: { no_password: u?.noPassword === true },
    });
    return [Buffer.from(name), value];
  });
  const roles = auth.roleNames().map((name): [Buffer, Buffer] => {
    const perms = auth.role(name)?.permissions ?? [];
    const value = ctx.codecs.type('authpb.Role').encode({ name: Buffer.from(name), keyPermission: perms.map((p) => ({ permType: p.permType, key: p.key, range_end: p.rangeEnd })) });
    return [Buffer.from(name), value];
  });
  return { authRevision: auth.revision, authEnabled: auth.enabled, authUsers: users, authRoles: roles };
}

async function* once(buffer: Buffer): AsyncIterable<Buffer> {
  yield buffer;
}
