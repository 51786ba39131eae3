import type { Membership } from '../replication/raft-member.ts';
// What every service handler shares: the member's state, its identity for response headers, and the proposer.
import type { AlarmStore } from '../apply/alarms.ts';
import type { Proposer } from '../apply/proposer.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { HeaderFields } from './response-wire.ts';
import type { Lessor, LeaseIdGenerator } from '../lease/index.ts';
import type { MemberInfo } from '../member/index.ts';
import type { MvccStore } from '../mvcc/index.ts';
import type { CodecRegistry } from '../proto/index.ts';
import type { LeaseClient } from '../replication/leader-forwarder.ts';
import type { WatchHub } from '../watch/index.ts';
import type { AuthGate } from '../auth/index.ts';
import type { Logger } from '../../common/logger.ts';

/** A stream of snapshot bytes (an etcd backend database file) and its size, for Maintenance.Snapshot. */
export interface SnapshotSource {
  sizeBytes: number;
  chunks: AsyncIterable<Buffer>;
}

export interface ServerContext {
  readonly store: MvccStore;
  readonly lessor: Lessor;
  readonly leaseIds: LeaseIdGenerator;
  readonly alarms: AlarmStore;
  readonly proposer: Proposer;
  readonly hub: WatchHub;
  /** Who calls and what they may do (etcd auth); a check is one flag test while auth is off. */
  readonly auth: AuthGate;
  readonly codecs: CodecRegistry;
  readonly clusterId: bigint;
  readonly memberId: bigint;
  readonly members: () => MemberInfo[];
  readonly maxTxnOps: number;
  readonly maxRequestBytes: number;
  readonly logger: Logger;
  /** Bytes the backend takes on disk (Status dbSize). */
  readonly dbSizeBytes: () => number;
  /** Absent until the snapshot room can produce an etcd backend file. */
  readonly snapshot?: () => Promise<SnapshotSource>;
  /** The member knows a leader (single member: always). */
  readonly hasLeader: () => boolean;
  /** A Lease client on the leader when another member leads (replicated members only): leader-only calls go there. */
  readonly leaderLease?: () => LeaseClient | undefined;
  /** This member is a learner (etcd then serves only Status and serializable Range). */
  readonly isLearner?: () => boolean;
  /** Replicated members: membership changes through the log. */
  readonly membership?: Membership;
  /** A Cluster client on the leader when another member leads (replicated members only). */
  readonly leaderCluster?: () => LeaseClient | undefined;
  /** Replicated members: hands leadership to `to` (a member), resolving once it leads. */
  readonly transferLeader?: (to: bigint) => Promise<void>;
}

/** etcd's ResponseHeader for this member at a revision (default: the store's current one). */
export function responseHeader(ctx: ServerContext, revision: number = ctx.store.revision): Wire {
  return {
    cluster_id: ctx.clusterId,
    member_id: ctx.memberId,
    revision: BigInt(revision),
    raft_term: ctx.proposer.term,
  };
}

/** The header fields the server adds, for the hand-written response encoders (response-wire.ts). */
export function headerFields(ctx: ServerContext): HeaderFields {
  return { clusterId: ctx.clusterId, memberId: ctx.memberId, raftTerm: ctx.proposer.term };
}

/** Completes the header the applier filled with the revision only. */
export function withHeader(ctx: ServerContext, response: Wire): Wire {
  const h = response.header as Wire | undefined;
  const revision = h?.revision === undefined ? ctx.store.revision : Number(h.revision as bigint);
  return { ...response, header: responseHeader(ctx, revision) };
}
