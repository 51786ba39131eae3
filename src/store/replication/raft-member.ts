// A store member's Raft side: the WAL under <data-dir>/member/wal (the initial voters bootstrapped into it on
// first start), the peer gRPC server on --listen-peer-urls, a RaftNode ticking at --heartbeat-interval with an
// election timeout of --election-timeout, and the RaftProposer feeding the store. Also the member directory:
// names and client URLs that members publish through the log once they run (as etcd's publish), kept in
// <data-dir>/member/attributes.json.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { bootstrapSnapshot } from '../../raft/bootstrap.ts';
import { GrpcTransport, RaftNode } from '../../raft/node/index.ts';
import { DurableStorage } from '../../raft/storage/durable/index.ts';
import type { RaftLogger } from '../../raft/config.ts';
import { ConfChangeTransition, ConfChangeType, NONE } from '../../raft/types.ts';
import type { EntryApplier } from '../apply/entry-applier.ts';
import { isServerError, ServerError, ServerErrorCode } from '../apply/errors.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { Lessor } from '../lease/index.ts';
import type { MemberInfo, MemberTls } from '../member/index.ts';
import { channelCredentials, checkUrl, computeMemberId, listenHost, serverCredentials } from '../member/index.ts';
import type { CodecRegistry } from '../proto/index.ts';
import { PEER_MEMBERS_SERVICE, peerMembersService } from './peer-members.ts';
import { RaftProposer } from './raft-proposer.ts';

export interface InitialMember {
  id: bigint;
  name: string;
  peerUrls: string[];
  isLearner?: boolean;
}

/** A membership change as carried in a ConfChangeV2's context (JSON): the member's attributes. */
export interface MembershipContext {
  /** The proposing member's waiter id (hex). */
  req: string;
  op: 'add' | 'remove' | 'update' | 'promote';
  id: string;
  peerUrls?: string[];
  isLearner?: boolean;
}

export interface DirectoryState {
  members: Array<{ id: string; peerUrls: string[]; isLearner: boolean }>;
  removed: string[];
  attributes: Array<{ id: string; name: string; clientUrls: string[] }>;
}

/**
 * A Raft snapshot's data: the member directory (etcd keeps membership in its backend, so a snapshot carries it),
 * then the store's. Layout: MAGIC | u32 length | directory JSON | store snapshot.
 */
const SNAPSHOT_MAGIC = Buffer.from('BQM1');

function packSnapshot(directory: DirectoryState, store: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(directory));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([SNAPSHOT_MAGIC, len, json, store]);
}

function unpackSnapshot(data: Buffer): { directory?: DirectoryState; store: Buffer } {
  if (data.length < 8 || !data.subarray(0, 4).equals(SNAPSHOT_MAGIC)) return { store: data };
  const len = data.readUInt32BE(4);
  return { directory: JSON.parse(data.subarray(8, 8 + len).toString('utf8')) as DirectoryState, store: data.subarray(8 + len) };
}

/**
 * Replaces a file's contents atomically and durably: the Raft log holding the change may be compacted once the
 * store is durable, and no snapshot in storage carries the directory.
 */
function writeDurably(file: string, text: string): void {
  const fd = openSync(`${file}.tmp`, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${file}.tmp`, file);
}

interface MemberRecord {
  peerUrls: string[];
  isLearner: boolean;
}

/**
 * The cluster's members: the initial membership changed by the conf changes applied from the log, plus what each
 * member published about itself. Kept in <data-dir>/member/attributes.json and membership.json.
 */
export class MemberDirectory {
  private readonly attributes = new Map<bigint, { name: string; clientUrls: string[] }>();
  private readonly members = new Map<bigint, MemberRecord>();
  private readonly removed = new Set<bigint>();
  private readonly membershipFile: string;

  constructor(
    initial: readonly InitialMember[],
    private readonly file: string,
  ) {
    this.membershipFile = join(dirname(file), 'membership.json');
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Array<{ id: string; name: string; clientUrls: string[] }>;
      for (const a of saved) this.attributes.set(BigInt(`0x${a.id}`), { name: a.name, clientUrls: a.clientUrls });
    }
    if (existsSync(this.membershipFile)) {
      const saved = JSON.parse(readFileSync(this.membershipFile, 'utf8')) as {
        members: Array<{ id: string; peerUrls: string[]; isLearner: boolean }>;
        removed: string[];
      };
      for (const m of saved.members) this.members.set(BigInt(`0x${m.id}`), { peerUrls: m.peerUrls, isLearner: m.isLearner });
      for (const r of saved.removed) this.removed.add(BigInt(`0x${r}`));
    } else {
      for (const m of initial) this.members.set(m.id, { peerUrls: m.peerUrls, isLearner: m.isLearner === true });
    }
  }

  /** Applied from the log (every member applies every publish). */
  publish(member: Wire): void {
    const id = member.ID as bigint;
    if (!this.members.has(id)) return;
    this.attributes.set(id, { name: String(member.name ?? ''), clientUrls: (member.clientURLs as string[] | undefined) ?? [] });
    this.saveAttributes();
  }

  /** Applied from the log: a membership change (already validated by the proposing member). */
  change(c: MembershipContext): void {
    const id = BigInt(`0x${c.id}`);
    const m = this.members.get(id);
    switch (c.op) {
      case 'add':
        if (m !== undefined || this.removed.has(id)) return;
        this.members.set(id, { peerUrls: c.peerUrls ?? [], isLearner: c.isLearner === true });
        break;
      case 'remove':
        this.members.delete(id);
        this.removed.add(id);
        this.attributes.delete(id);
        this.saveAttributes();
        break;
      case 'update':
        if (m !== undefined) m.peerUrls = c.peerUrls ?? m.peerUrls;
        break;
      case 'promote':
        if (m !== undefined) m.isLearner = false;
        break;
    }
    this.saveMembership();
  }

  private saveMembership(): void {
    const saved = {
      members: [...this.members].map(([k, v]) => ({ id: k.toString(16), ...v })),
      removed: [...this.removed].map((r) => r.toString(16)),
    };
    writeDurably(this.membershipFile, JSON.stringify(saved));
  }

  private saveAttributes(): void {
    const saved = [...this.attributes].map(([k, v]) => ({ id: k.toString(16), ...v }));
    writeDurably(this.file, JSON.stringify(saved));
  }

  /** The whole directory, for a Raft snapshot (a member restoring one missed the changes it holds). */
  exportState(): DirectoryState {
    return {
      members: [...this.members].map(([k, v]) => ({ id: k.toString(16), ...v })),
      removed: [...this.removed].map((r) => r.toString(16)),
      attributes: [...this.attributes].map(([k, v]) => ({ id: k.toString(16), ...v })),
    };
  }

  importState(state: DirectoryState): void {
    this.members.clear();
    this.removed.clear();
    this.attributes.clear();
    for (const m of state.members) this.members.set(BigInt(`0x${m.id}`), { peerUrls: m.peerUrls, isLearner: m.isLearner });
    for (const r of state.removed) this.removed.add(BigInt(`0x${r}`));
    for (const a of state.attributes) this.attributes.set(BigInt(`0x${a.id}`), { name: a.name, clientUrls: a.clientUrls });
    this.saveMembership();
    this.saveAttributes();
  }

  isPublished(id: bigint): boolean {
    return this.attributes.has(id);
  }

  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }

  /** One member, without building the list: the client port asks whether it is a learner on every call. */
  get(id: bigint): MemberInfo | undefined {
    const m = this.members.get(id);
    return m === undefined ? undefined : this.info(id, m);
  }

  /** As etcd: a member that has not published yet has no name and no client URLs ("unstarted"); sorted by ID. */
  list(): MemberInfo[] {
    return [...this.members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, m]) => this.info(id, m));
  }

  private info(id: bigint, m: MemberRecord): MemberInfo {
    const a = this.attributes.get(id);
    return { id, name: a?.name ?? '', peerUrls: m.peerUrls, clientUrls: a?.clientUrls ?? [], isLearner: m.isLearner };
  }
}

export interface RaftMemberOptions {
  dataDir: string;
  /** Payload bytes of written Raft entries kept in memory (DurableStorage's residentEntryBytes). */
  residentEntryBytes?: number;
  memberId: bigint;
  clusterId: bigint;
  name: string;
  members: readonly InitialMember[];
  listenPeerUrls: string[];
  advertiseClientUrls: string[];
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCount: number;
  maxRequestBytes: number;
  applier: (onMemberAttributes: (m: Wire) => void) => EntryApplier;
  appliedIndex: () => number;
  /** The store's state for a follower, taken on the call (see RaftProposerOptions.snapshot). */
  snapshot: () => Promise<Uint8Array>;
  /** Resolves once everything applied is durable. */
  persist: () => Promise<void>;
  restore: (data: Buffer) => Promise<void>;
  lessor: Lessor;
  codecs: CodecRegistry;
  logger: Logger;
  /** Joining an existing cluster: the storage starts empty and the leader's snapshot brings the state. */
  join?: boolean;
  /** This member was removed from the cluster (applied here, or a peer refused it as removed). */
  onRemoved?: () => void;
  /** Test-only: linearizable reads without ReadIndex (see RaftProposerOptions). */
  unsafeLocalReads?: boolean;
  /** etcd's --peer-* TLS (files or --peer-auto-tls): served on https peer URLs and used to dial https peers. */
  peerTls?: MemberTls;
}

export interface RaftMember {
  proposer: RaftProposer;
  node: RaftNode;
  directory: MemberDirectory;
  /** Settles once this member's attributes are applied here (etcd serves clients only then); rejects if stopped. */
  published: Promise<void>;
  /** The peer addresses bound, one per --listen-peer-urls URL (for logs). */
  peerAddresses: readonly string[];
  membership: Membership;
}

/** etcd's membership changes, each one ConfChangeV2 through the log, validated here first as etcd does. */
export interface Membership {
  /**
   * Add, remove and promote run their checks on the leader, whose peer streams tell which members are connected
   * (etcd's followers keep streams to every peer; ours talk to the leader only): they resolve `undefined` on a
   * follower, which then forwards the request to the leader.
   */
  add(peerUrls: string[], isLearner: boolean): Promise<MemberInfo | undefined>;
  remove(id: bigint): Promise<boolean>;
  update(id: bigint, peerUrls: string[]): Promise<void>;
  promote(id: bigint): Promise<boolean>;
}

function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** etcd's HealthInterval: a peer counts as connected once its stream has been up this long. */
const HEALTH_INTERVAL_MS = 5_000;

function membership(
  memberId: bigint,
  directory: MemberDirectory,
  proposer: RaftProposer,
  node: () => RaftNode,
  activeSince: (id: bigint) => number | undefined,
): Membership {
  /** etcd's numConnectedSince over the voting members: this member counts as connected. */
  const connectedVoters = (): { active: number; total: number } => {
    const since = Date.now() - HEALTH_INTERVAL_MS;
    const voting = directory.list().filter((m) => m.isLearner !== true);
    const active = voting.filter((m) => {
      if (m.id === memberId) return true;
      const t = activeSince(m.id);
      return t !== undefined && t <= since;
    }).length;
    return { active, total: voting.length };
  };
  const propose = (op: MembershipContext['op'], id: bigint, type: ConfChangeType, extra: Partial<MembershipContext>): Promise<void> =>
    proposer.proposeConfChange((req) => ({
      transition: ConfChangeTransition.Auto,
      changes: [{ type, nodeId: id }],
      context: Buffer.from(JSON.stringify({ req: req.toString(16), op, id: id.toString(16), ...extra } satisfies MembershipContext)),
    }));
  const checkUrls = (urls: string[], except?: bigint): string[] => {
    if (urls.length === 0) throw new ServerError(ServerErrorCode.MemberBadUrls);
    for (const u of urls) {
      try {
        checkUrl(u);
      } catch {
        throw new ServerError(ServerErrorCode.MemberBadUrls);
      }
    }
    const taken = new Set(directory.list().filter((m) => m.id !== except).flatMap((m) => m.peerUrls));
    if (urls.some((u) => taken.has(u))) throw new ServerError(ServerErrorCode.PeerUrlExist);
    return [...urls].sort();
  };
  const startedVoters = (except?: bigint): number =>
    directory.list().filter((m) => m.isLearner !== true && m.id !== except && directory.isPublished(m.id)).length;
  const voters = (): number => directory.list().filter((m) => m.isLearner !== true).length;
  /** etcd's IsReadyToAddVotingMember: a quorum of the grown cluster has started, or a single member grows to two. */
  const readyToAddVoter = (): boolean => {
    const started = startedVoters();
    const grown = voters() + 1;
    return (started === 1 && grown === 2) || started >= quorum(grown);
  };
  return {
    async add(peerUrls, isLearner) {
      if (!node().isLeader) return undefined;
      // As etcd: the reconfiguration checks before proposing (mayAddMember), then those etcd makes on apply.
      if (!isLearner && !readyToAddVoter()) throw new ServerError(ServerErrorCode.MemberNotEnoughStarted);
      const c = connectedVoters();
      if (c.active < c.total) throw new ServerError(ServerErrorCode.Unhealthy);
      const urls = checkUrls(peerUrls);
      // As etcd's MemberAdd: the ID from the peer URLs and the time (seconds), no name nor cluster token.
      const id = computeMemberId(urls, String(Math.floor(Date.now() / 1000)));
      if (directory.get(id) !== undefined || directory.isRemoved(id)) throw new ServerError(ServerErrorCode.MemberExist);
      if (isLearner && directory.list().filter((m) => m.isLearner === true).length >= 1) throw new ServerError(ServerErrorCode.TooManyLearners);
      await propose('add', id, isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, { peerUrls: urls, isLearner });
      return { id, name: '', peerUrls: urls, clientUrls: [], isLearner };
    },
    async remove(id) {
      const m = directory.get(id);
      if (m === undefined) throw new ServerError(ServerErrorCode.MemberNotFound);
      if (!node().isLeader) return false;
      if (m.isLearner !== true) {
        if (startedVoters(id) < quorum(voters() - 1)) throw new ServerError(ServerErrorCode.MemberNotEnoughStarted);
        // As etcd's mayRemoveMember: the members left connected must still make a quorum.
        const c = connectedVoters();
        if (c.active - 1 < 1 + Math.floor((c.total - 1) / 2)) throw new ServerError(ServerErrorCode.Unhealthy);
      }
      await propose('remove', id, ConfChangeType.RemoveNode, {});
      return true;
    },
    async update(id, peerUrls) {
      if (directory.get(id) === undefined) throw new ServerError(ServerErrorCode.MemberNotFound);
      const urls = checkUrls(peerUrls, id);
      await propose('update', id, ConfChangeType.UpdateNode, { peerUrls: urls });
    },
    async promote(id) {
      const m = directory.get(id);
      if (m === undefined) throw new ServerError(ServerErrorCode.MemberNotFound);
      if (m.isLearner !== true) throw new ServerError(ServerErrorCode.MemberNotLearner);
      const n = node();
      if (!n.isLeader) return false;
      // As etcd's isLearnerReady: the learner's match index is at least 90% of the leader's.
      const progress = n.status().progress;
      const leaderMatch = progress?.get(memberId)?.match ?? 0;
      const learnerMatch = progress?.get(id)?.match ?? 0;
      if (learnerMatch < leaderMatch * 0.9) throw new ServerError(ServerErrorCode.LearnerNotReady);
      await propose('promote', id, ConfChangeType.AddNode, {});
      return true;
    },
  };
}

/** etcd's request timeout: 5 s plus two election timeouts. */
export function requestTimeoutMs(electionTimeoutMs: number): number {
  return 5_000 + 2 * electionTimeoutMs;
}

export async function startRaftMember(o: RaftMemberOptions): Promise<RaftMember> {
  const raftLog: RaftLogger = {
    debug: (msg) => o.logger.debug(msg),
    info: (msg) => o.logger.info(msg),
    warn: (msg) => o.logger.warn(msg),
  };
  const directory = new MemberDirectory(o.members, join(o.dataDir, 'member', 'attributes.json'));
  let transport: GrpcTransport | undefined;
  let removedReported = false;
  const removed = (): void => {
    if (removedReported) return;
    removedReported = true;
    o.logger.error('the member has been permanently removed from the cluster');
    o.onRemoved?.();
  };
  const proposer = new RaftProposer({
    applier: o.applier((m) => directory.publish(m)),
    onConfChange: (cc) => {
      let c: MembershipContext;
      try {
        c = JSON.parse(Buffer.from(cc.context).toString('utf8')) as MembershipContext;
      } catch {
        return undefined;
      }
      directory.change(c);
      const id = BigInt(`0x${c.id}`);
      o.logger.info({ op: c.op, member: c.id, peerUrls: c.peerUrls, isLearner: c.isLearner }, 'applied membership change');
      if (c.op === 'remove') {
        if (id === o.memberId) removed();
        else transport?.removePeer(id);
      } else if (id !== o.memberId && c.peerUrls !== undefined && c.peerUrls.length > 0) {
        transport?.addPeer(id, c.peerUrls[0]);
      }
      return BigInt(`0x${c.req}`);
    },
    memberId: o.memberId,
    maxRequestBytes: o.maxRequestBytes,
    unsafeLocalReads: o.unsafeLocalReads,
    requestTimeoutMs: requestTimeoutMs(o.electionTimeoutMs),
    snapshot: async () => packSnapshot(directory.exportState(), await o.snapshot()),
    persist: () => o.persist(),
    restore: async (data) => {
      const { directory: state, store } = unpackSnapshot(data);
      await o.restore(store);
      if (state !== undefined) {
        const before = directory.list().map((m) => m.id);
        directory.importState(state);
        for (const id of before) if (directory.get(id) === undefined) transport?.removePeer(id);
        for (const m of directory.list()) if (m.id !== o.memberId) transport?.addPeer(m.id, m.peerUrls[0]);
        if (directory.isRemoved(o.memberId)) removed();
      }
    },
  });
  const storage = await DurableStorage.open(join(o.dataDir, 'member', 'wal'), { logger: raftLog, residentEntryBytes: o.residentEntryBytes });
  try {
    if (storage.snapshot().metadata.index === 0 && storage.lastIndex() === 0 && o.join !== true) {
      // Term 1 is the bootstrap's (as etcd's bootstrap entries): the first election ends in term 2, as etcd's does.
      const boot = bootstrapSnapshot(o.members.map((m) => m.id));
      // A single member's store written before single members had a Raft log: its log starts after that state.
      if (o.members.length === 1) boot.metadata.index = Math.max(boot.metadata.index, o.appliedIndex());
      await storage.save({ snapshot: boot, hardState: { term: boot.metadata.term, vote: NONE, commit: boot.metadata.index }, entries: [] });
    }
    const listenUrls = o.listenPeerUrls.length > 0 ? o.listenPeerUrls : ['http://localhost:2380'];
    transport = await GrpcTransport.start({
      id: o.memberId,
      clusterId: o.clusterId,
      listen: listenUrls.map(peerListenAddress),
      listenCredentials: listenUrls.map((url) => serverCredentials(url, o.peerTls)),
      dialCredentials: (url) => channelCredentials(url, o.peerTls),
      logger: raftLog,
      services: [{ definition: PEER_MEMBERS_SERVICE, implementation: peerMembersService(o.clusterId, () => directory.list()) }],
    });
    for (const m of directory.list()) if (m.id !== o.memberId) transport.addPeer(m.id, m.peerUrls[0]);
    if (directory.isRemoved(o.memberId)) removed();
    const heartbeatTick = 1;
    const node = await RaftNode.start({
      id: o.memberId,
      storage,
      transport,
      app: proposer.app,
      appliedIndex: o.appliedIndex(),
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      heartbeatTick,
      electionTick: Math.max(2, Math.round(o.electionTimeoutMs / o.heartbeatIntervalMs)),
      snapshotCount: o.snapshotCount,
      logger: raftLog,
    });
    proposer.attach(node);
    // Only the leader expires leases: deadlines start afresh (extended by an election timeout) on promotion.
    node.onLeaderChange((leader, term) => {
      o.logger.info({ leader: leader.toString(16), term }, 'raft leader changed');
      if (leader === o.memberId) o.lessor.promote(o.electionTimeoutMs);
      else if (o.lessor.isPrimary) o.lessor.demote();
    });
    node.onFatal((err) => o.logger.error({ err }, 'raft node failed'));
    // The only voter needs nobody's vote: campaign now rather than after an election timeout (etcd's single
    // member likewise leads at once).
    if (isSoleVoter(node, o.memberId)) node.campaign();
    transport.onReport((r) => {
      if (r.type === 'refused' && /removed/i.test(`${r.reason} ${r.detail}`)) removed();
    });
    const published = publishAttributes(o, proposer, directory);
    return { proposer, node, directory, published, peerAddresses: transport.addresses, membership: membership(o.memberId, directory, proposer, () => node, (id) => transport?.activeSince(id)) };
  } catch (err) {
    await transport?.close();
    await storage.close();
    throw err;
  }
}

/** host:port of a --listen-peer-urls URL (port 2380 when none is given, as etcd). */
function peerListenAddress(url: string): string {
  const u = checkUrl(url);
  const host = listenHost(u);
  return `${host.includes(':') ? `[${host}]` : host}:${u.port === '' ? 2380 : Number(u.port)}`;
}

function isSoleVoter(node: RaftNode, id: bigint): boolean {
  const c = node.status().config;
  return c.voters.length === 1 && c.voters[0] === id && c.votersOutgoing.length === 0;
}

/** As etcd's publish: the member's name and client URLs go through the log, retried until applied. */
function publishAttributes(o: RaftMemberOptions, proposer: RaftProposer, directory: MemberDirectory): Promise<void> {
  const body = o.codecs.type('etcdserverpb.Member').encode({ ID: o.memberId, name: o.name, clientURLs: o.advertiseClientUrls });
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      proposer.propose({ kind: 'member_attributes', body }).then(
        () => {
          o.logger.info({ name: o.name, clientUrls: o.advertiseClientUrls }, 'published member attributes');
          resolve();
        },
        (err: unknown) => {
          if (isServerError(err, ServerErrorCode.Stopped)) return reject(err);
          if (!directory.isPublished(o.memberId)) o.logger.debug({ err }, 'publish failed; retrying');
          setTimeout(attempt, Math.min(500, o.heartbeatIntervalMs * 5)).unref();
        },
      );
    };
    attempt();
  });
}
