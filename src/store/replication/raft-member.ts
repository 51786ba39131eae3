// A store member's Raft side: the WAL under <data-dir>/member/wal (the initial voters bootstrapped into it on
// first start), the peer gRPC server on --listen-peer-urls, a RaftNode ticking at --heartbeat-interval with an
// election timeout of --election-timeout, and the RaftProposer feeding the store. Also the member directory:
// names and client URLs that members publish through the log once they run (as etcd's publish), kept in
// <data-dir>/member/attributes.json.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { bootstrapSnapshot } from '../../raft/bootstrap.ts';
import { GrpcTransport, RaftNode } from '../../raft/node/index.ts';
import { DurableStorage } from '../../raft/storage/durable/index.ts';
import type { RaftLogger } from '../../raft/config.ts';
import { NONE } from '../../raft/types.ts';
import type { EntryApplier } from '../apply/entry-applier.ts';
import { isServerError, ServerErrorCode } from '../apply/errors.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { Lessor } from '../lease/index.ts';
import type { MemberInfo } from '../member/index.ts';
import { checkUrl } from '../member/index.ts';
import type { CodecRegistry } from '../proto/index.ts';
import { RaftProposer } from './raft-proposer.ts';

export interface InitialMember {
  id: bigint;
  name: string;
  peerUrls: string[];
}

/** The cluster's members: initial membership, plus what each member published about itself. */
export class MemberDirectory {
  private readonly attributes = new Map<bigint, { name: string; clientUrls: string[] }>();

  constructor(
    private readonly initial: readonly InitialMember[],
    private readonly file: string,
  ) {
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Array<{ id: string; name: string; clientUrls: string[] }>;
      for (const a of saved) this.attributes.set(BigInt(`0x${a.id}`), { name: a.name, clientUrls: a.clientUrls });
    }
  }

  /** Applied from the log (every member applies every publish). */
  publish(member: Wire): void {
    const id = member.ID as bigint;
    this.attributes.set(id, { name: String(member.name ?? ''), clientUrls: (member.clientURLs as string[] | undefined) ?? [] });
    const saved = [...this.attributes].map(([k, v]) => ({ id: k.toString(16), ...v }));
    writeFileSync(`${this.file}.tmp`, JSON.stringify(saved));
    renameSync(`${this.file}.tmp`, this.file);
  }

  isPublished(id: bigint): boolean {
    return this.attributes.has(id);
  }

  /** As etcd: a member that has not published yet has no name and no client URLs ("unstarted"). */
  list(): MemberInfo[] {
    return this.initial.map((m) => {
      const a = this.attributes.get(m.id);
      return { id: m.id, name: a?.name ?? '', peerUrls: m.peerUrls, clientUrls: a?.clientUrls ?? [] };
    });
  }
}

export interface RaftMemberOptions {
  dataDir: string;
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
  snapshot: () => Promise<Uint8Array>;
  restore: (data: Buffer) => Promise<void>;
  lessor: Lessor;
  codecs: CodecRegistry;
  logger: Logger;
}

export interface RaftMember {
  proposer: RaftProposer;
  node: RaftNode;
  directory: MemberDirectory;
  /** Settles once this member's attributes are applied here (etcd serves clients only then); rejects if stopped. */
  published: Promise<void>;
  /** The peer port bound (for logs). */
  peerAddress: string;
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
  const proposer = new RaftProposer({
    applier: o.applier((m) => directory.publish(m)),
    memberId: o.memberId,
    maxRequestBytes: o.maxRequestBytes,
    requestTimeoutMs: requestTimeoutMs(o.electionTimeoutMs),
    snapshot: o.snapshot,
    restore: o.restore,
  });
  const storage = await DurableStorage.open(join(o.dataDir, 'member', 'wal'), { logger: raftLog });
  let transport: GrpcTransport | undefined;
  try {
    if (storage.snapshot().metadata.index === 0 && storage.lastIndex() === 0) {
      // Term 1 is the bootstrap's (as etcd's bootstrap entries): the first election ends in term 2, as etcd's does.
      const boot = bootstrapSnapshot(o.members.map((m) => m.id));
      await storage.save({ snapshot: boot, hardState: { term: boot.metadata.term, vote: NONE, commit: boot.metadata.index }, entries: [] });
    }
    const peerUrl = checkUrl(o.listenPeerUrls[0] ?? 'http://localhost:2380');
    const host = peerUrl.hostname.replace(/^\[(.*)\]$/, '$1');
    transport = await GrpcTransport.start({
      id: o.memberId,
      clusterId: o.clusterId,
      listen: `${host.includes(':') ? `[${host}]` : host}:${peerUrl.port === '' ? 2380 : Number(peerUrl.port)}`,
      logger: raftLog,
    });
    for (const m of o.members) if (m.id !== o.memberId) transport.addPeer(m.id, m.peerUrls[0]);
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
    const published = publishAttributes(o, proposer, directory);
    return { proposer, node, directory, published, peerAddress: transport.address };
  } catch (err) {
    await transport?.close();
    await storage.close();
    throw err;
  }
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
