// Where barque's .proto files live and which ones make up each protocol.
import { join } from 'node:path';
import { REPO_ROOT } from '../../common/repo-root.ts';

/** The repository's proto/ folder: the include root every import path is relative to. */
export const PROTO_ROOT = join(REPO_ROOT, 'proto');

/** etcd 3.4's client API: packages etcdserverpb, mvccpb, authpb, v3lockpb, v3electionpb. */
export const ETCD_PROTO_FILES: readonly string[] = [
  'etcd/mvccpb/kv.proto',
  'etcd/authpb/auth.proto',
  'etcd/etcdserverpb/rpc.proto',
  'etcd/v3lockpb/v3lock.proto',
  'etcd/v3electionpb/v3election.proto',
];

/** barque's peer transport: package barque.raft. */
export const RAFT_PROTO_FILES: readonly string[] = ['raft.proto'];

/** The five etcd packages, the unit of wire compatibility. */
export const ETCD_PACKAGES: readonly string[] = ['etcdserverpb', 'mvccpb', 'authpb', 'v3lockpb', 'v3electionpb'];
