// How auth state sits in the store's database: under the 'u' prefix, beside MVCC ('k', 'm'), leases ('l') and
// alarms ('a'), so one batch commits an entry's auth change with its applied index, and the Raft snapshot (the
// whole database) carries it. Users and roles are etcd's authpb.User and authpb.Role messages.
import type { DbOp } from '../mvcc/index.ts';
import type { CodecRegistry } from '../proto/index.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { KeyPermission, PermissionType } from './permissions.ts';

export const AUTH_PREFIX = 0x75; // 'u'
export const AUTH_KEY_RANGE = { gte: Buffer.from([AUTH_PREFIX]), lt: Buffer.from([AUTH_PREFIX + 1]) };

const USER = 0x55; // 'U'
const ROLE = 0x52; // 'R'
const ENABLED = 0x65; // 'e'
const REVISION = 0x76; // 'v'

export interface UserRecord {
  name: string;
  /** bcrypt hash; empty for a no-password user. */
  passwordHash: string;
  /** Sorted, as etcd keeps them. */
  roles: string[];
  noPassword: boolean;
}

export interface RoleRecord {
  name: string;
  /** Sorted by key, as etcd keeps them. */
  permissions: KeyPermission[];
}

const keyOf = (kind: number, name = '') => Buffer.concat([Buffer.from([AUTH_PREFIX, kind]), Buffer.from(name, 'utf8')]);

export const enabledOp = (enabled: boolean): DbOp => ({ type: 'put', key: keyOf(ENABLED), value: Buffer.from([enabled ? 1 : 0]) });

export function revisionOp(revision: bigint): DbOp {
  const value = Buffer.alloc(8);
  value.writeBigUInt64BE(revision);
  return { type: 'put', key: keyOf(REVISION), value };
}

export function userOp(codecs: CodecRegistry, name: string, user: UserRecord | undefined): DbOp {
  if (user === undefined) return { type: 'del', key: keyOf(USER, name) };
  const value = codecs.type('authpb.User').encode({
    name: Buffer.from(user.name),
    password: Buffer.from(user.passwordHash),
    roles: user.roles,
    options: { no_password: user.noPassword },
  });
  return { type: 'put', key: keyOf(USER, name), value };
}

export function roleOp(codecs: CodecRegistry, name: string, role: RoleRecord | undefined): DbOp {
  if (role === undefined) return { type: 'del', key: keyOf(ROLE, name) };
  const value = codecs.type('authpb.Role').encode({
    name: Buffer.from(role.name),
    keyPermission: role.permissions.map((p) => ({ permType: p.permType, key: p.key, range_end: p.rangeEnd })),
  });
  return { type: 'put', key: keyOf(ROLE, name), value };
}

export interface AuthRecords {
  enabled: boolean;
  revision: bigint;
  users: UserRecord[];
  roles: RoleRecord[];
}

/** Decodes the records read from the database under AUTH_KEY_RANGE. */
export function decodeRecords(codecs: CodecRegistry, entries: Iterable<[Buffer, Buffer]>): AuthRecords {
  const out: AuthRecords = { enabled: false, revision: 0n, users: [], roles: [] };
  for (const [key, value] of entries) {
    switch (key[1]) {
      case ENABLED:
        out.enabled = value[0] === 1;
        break;
      case REVISION:
        out.revision = value.readBigUInt64BE(0);
        break;
      case USER: {
        const w = codecs.type('authpb.User').decode(value);
        const options = w.options as Wire | null;
        out.users.push({
          name: (w.name as Buffer).toString('utf8'),
          passwordHash: (w.password as Buffer).toString('utf8'),
          roles: w.roles as string[],
          noPassword: options?.no_password === true,
        });
        break;
      }
      case ROLE: {
        const w = codecs.type('authpb.Role').decode(value);
        const permissions = (w.keyPermission as Wire[]).map((p) => ({
          permType: p.permType as PermissionType,
          key: p.key as Buffer,
          rangeEnd: p.range_end as Buffer,
        }));
        out.roles.push({ name: (w.name as Buffer).toString('utf8'), permissions });
        break;
      }
    }
  }
  return out;
}
