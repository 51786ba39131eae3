// The commands of the script language. Each handler reads its arguments, drives the environment and prints what
// happened; the README beside this file documents them for script authors.
import {
  initialConfState,
  message,
  MessageType,
  RaftError,
  ReadOnlyOption,
  type Config,
  type Entry,
  type NodeId,
} from '../index.ts';
import { MemoryStorage } from '../storage/index.ts';
import { parseConfChange } from './conf-change.ts';
import type { InteractionEnv, LogLevel, NodeOptions } from './env.ts';
import {
  fmtConfChange,
  fmtConfState,
  fmtEntry,
  fmtHardState,
  fmtIds,
  fmtMessage,
  fmtSnapshot,
} from './format.ts';
import { describeProgress, describeStatus } from './describe-status.ts';
import { ScriptUsageError, type ScriptCommand } from './script.ts';

type Handler = (env: InteractionEnv, cmd: Args) => void;

/** Typed access to a command's arguments; every key must be read, so a typo fails instead of being ignored. */
export class Args {
  private readonly unread: Set<string>;
  constructor(readonly cmd: ScriptCommand) {
    this.unread = new Set(cmd.args.map((a) => a.key));
  }

  private values(key: string): string[] | undefined {
    this.unread.delete(key);
    return this.cmd.args.find((a) => a.key === key)?.values;
  }

  has(key: string): boolean {
    return this.cmd.args.some((a) => a.key === key);
  }

  str(key: string, dflt?: string): string {
    const v = this.values(key);
    if (v === undefined) {
      if (dflt === undefined) throw new ScriptUsageError(`${this.cmd.name}: missing ${key}=`);
      return dflt;
    }
    if (v.length !== 1) throw new ScriptUsageError(`${this.cmd.name}: ${key}= takes one value`);
    return v[0];
  }

  int(key: string, dflt?: number): number {
    const s = this.str(key, dflt === undefined ? undefined : String(dflt));
    if (!/^\d+$/.test(s)) throw new ScriptUsageError(`${this.cmd.name}: ${key}=${s} is not a non-negative integer`);
    return Number(s);
  }

  bool(key: string, dflt: boolean): boolean {
    const s = this.str(key, String(dflt));
    if (s !== 'true' && s !== 'false') throw new ScriptUsageError(`${this.cmd.name}: ${key}=${s} is not true/false`);
    return s === 'true';
  }

  list(key: string): string[] | undefined {
    return this.values(key);
  }

  ids(key: string): NodeId[] {
    return (this.values(key) ?? []).map((v) => parseId(v, this.cmd.name));
  }

  id(key: string): NodeId {
    return parseId(this.str(key), this.cmd.name);
  }

  /** All positional arguments as node IDs. */
  positionalIds(): NodeId[] {
    return this.cmd.positional.map((v) => parseId(v, this.cmd.name));
  }

  positionalId(n: number): NodeId {
    const v = this.cmd.positional[n];
    if (v === undefined) throw new ScriptUsageError(`${this.cmd.name}: missing node ID (argument ${n + 1})`);
    return parseId(v, this.cmd.name);
  }

  positional(n: number): string {
    const v = this.cmd.positional[n];
    if (v === undefined) throw new ScriptUsageError(`${this.cmd.name}: missing argument ${n + 1}`);
    return v;
  }

  /** Throws on arguments no handler read. */
  done(): void {
    if (this.unread.size > 0) throw new ScriptUsageError(`${this.cmd.name}: unknown argument(s) ${[...this.unread].join(', ')}`);
  }
}

function parseId(v: string, cmd: string): NodeId {
  if (!/^\d+$/.test(v) || v === '0') throw new ScriptUsageError(`${cmd}: ${JSON.stringify(v)} is not a node ID`);
  return BigInt(v);
}

const text = new TextEncoder();

function printRaftError(env: InteractionEnv, err: unknown): void {
  if (!(err instanceof RaftError)) throw err;
  env.print(`error: ${err.code}: ${err.message}`);
}

/** Runs f, printing a RaftError instead of throwing it; true when f succeeded. */
function tryRaft(env: InteractionEnv, f: () => void): boolean {
  try {
    f();
    return true;
  } catch (err) {
    printRaftError(env, err);
    return false;
  }
}

// ---- cluster ----

const addNodes: Handler = (env, a) => {
  const count = Number(a.positional(0));
  const voters = a.ids('voters');
  const learners = a.ids('learners');
  const index = a.int('index', 0);
  const options: NodeOptions = {
    electionTick: a.int('election', 4),
    heartbeatTick: a.int('heartbeat', 2),
    preVote: a.bool('prevote', false),
    checkQuorum: a.bool('checkquorum', false),
    extra: extraConfig(a),
  };
  const first = env.ids().reduce((max, id) => (id > max ? id : max), 0n) + 1n;
  for (let k = 0; k < count; k++) {
    const id = first + BigInt(k);
    const storage = bootStorage(voters, learners, index);
    env.addNode(id, storage, options);
    const snap = storage.snapshot();
    const boot =
      voters.length === 0 && learners.length === 0
        ? 'empty (no membership: waits for a snapshot)'
        : `at Index:${snap.metadata.index} Term:${snap.metadata.term} ${fmtConfState(snap.metadata.confState)}`;
    env.print(`node ${id} boots ${boot}`);
  }
};

function extraConfig(a: Args): Partial<Config> {
  const extra: Partial<Config> = {};
  if (a.has('max-msg-size')) extra.maxSizePerMsg = a.int('max-msg-size');
  if (a.has('max-inflight')) extra.maxInflightMsgs = a.int('max-inflight');
  if (a.has('max-uncommitted-size')) extra.maxUncommittedEntriesSize = a.int('max-uncommitted-size');
  if (a.has('max-committed-size')) extra.maxCommittedSizePerReady = a.int('max-committed-size');
  if (a.has('read-only')) {
    const v = a.str('read-only');
    if (v !== 'safe' && v !== 'lease') throw new ScriptUsageError(`add-nodes: read-only=${v}: want safe or lease`);
    extra.readOnlyOption = v === 'safe' ? ReadOnlyOption.Safe : ReadOnlyOption.LeaseBased;
  }
  if (a.has('disable-forwarding')) extra.disableProposalForwarding = a.bool('disable-forwarding', false);
  // Safety rules switched off, only to prove that the harness's safety checks catch the violation.
  const commitPreviousTermByCount = a.bool('unsafe-commit-by-count', false);
  const grantVotesToStaleLogs = a.bool('unsafe-stale-votes', false);
  if (commitPreviousTermByCount || grantVotesToStaleLogs) extra.unsafe = { commitPreviousTermByCount, grantVotesToStaleLogs };
  return extra;
}

/** A fresh node's disk: with a membership, as if a snapshot at `index` (term 1 unless 0) had been installed. */
function bootStorage(voters: NodeId[], learners: NodeId[], index: number): MemoryStorage {
  const confState = initialConfState(voters, learners);
  if (voters.length === 0 && learners.length === 0) return new MemoryStorage();
  if (index === 0) return new MemoryStorage({ confState });
  const storage = new MemoryStorage();
  storage.applySnapshot({ metadata: { index, term: 1, confState }, data: new Uint8Array(0) });
  return storage;
}

const restart: Handler = (env, a) => {
  for (const id of a.positionalIds()) {
    env.restart(id);
    printRestart(env, id);
  }
};

const crashBeforePersist: Handler = (env, a) => {
  for (const id of a.positionalIds()) {
    if (!env.crashBeforePersist(id)) {
      env.print(`node ${id} has no Ready`);
      continue;
    }
    env.print(`node ${id} crashes before the write; Send went out, the rest is lost`);
    printRestart(env, id);
  }
};

function printRestart(env: InteractionEnv, id: NodeId): void {
  const n = env.node(id);
  const hs = n.storage.initialState().hardState;
  const first = n.storage.firstIndex();
  const last = n.storage.lastIndex();
  const log = last >= first ? `log ${first}..${last}` : `empty log after ${last}`;
  env.print(`node ${id} restarts: HardState ${fmtHardState(hs)}, ${log}, applied ${n.applied}`);
}

// ---- time and elections ----

function ticker(ticksOf: (o: NodeOptions) => number): Handler {
  return (env, a) => {
    for (const id of a.positionalIds()) {
      const n = env.node(id);
      const ticks = ticksOf(n.options);
      for (let k = 0; k < ticks; k++) n.raw.tick();
    }
    env.print('ok');
  };
}

const tick: Handler = (env, a) => {
  const count = a.int('n', 1);
  ticker(() => count)(env, a);
};

const campaign: Handler = (env, a) => {
  if (tryRaft(env, () => env.node(a.positionalId(0)).raw.campaign())) env.print('ok');
};

const transferLeadership: Handler = (env, a) => {
  const from = a.id('from');
  const to = a.id('to');
  if (tryRaft(env, () => env.node(from).raw.transferLeader(to))) env.print('ok');
};

// ---- proposals and reads ----

const propose: Handler = (env, a) => {
  const id = a.positionalId(0);
  if (tryRaft(env, () => env.node(id).raw.propose(text.encode(a.positional(1))))) env.print('ok');
};

const proposeConfChange: Handler = (env, a) => {
  const id = a.positionalId(0);
  const cc = parseConfChange(a.cmd.positional.slice(1), a.str('transition', 'auto'));
  if (tryRaft(env, () => env.node(id).raw.proposeConfChange(cc))) env.print(`proposed ${fmtConfChange(cc)}`);
};

const readIndex: Handler = (env, a) => {
  const id = a.positionalId(0);
  if (tryRaft(env, () => env.node(id).raw.readIndex(text.encode(a.positional(1))))) env.print('ok');
};

// ---- driving Ready and the network ----

const processReady: Handler = (env, a) => {
  const ids = a.cmd.positional.length > 0 ? a.positionalIds() : env.ids();
  for (const id of ids) if (!env.processReady(id)) env.print(`node ${id} has no Ready`);
};

const MESSAGE_TYPES = new Set<string>(Object.values(MessageType));

const deliverMsgs: Handler = (env, a) => {
  const types = a.list('type');
  for (const t of types ?? []) if (!MESSAGE_TYPES.has(t)) throw new ScriptUsageError(`deliver-msgs: unknown message type ${t}`);
  const from = a.ids('from');
  const filter = (m: { type: MessageType; from: NodeId }) =>
    (types === undefined || types.includes(m.type)) && (from.length === 0 || from.includes(m.from));
  const how = { reverse: a.bool('reverse', false), duplicate: a.bool('duplicate', false) };
  let moved = 0;
  for (const id of a.ids('drop')) moved += env.deliver(id, true, filter);
  for (const id of a.positionalIds()) moved += env.deliver(id, false, filter, how);
  if (moved === 0) env.print('no messages');
};

const stabilize: Handler = (env, a) => {
  if (!env.stabilize(a.positionalIds())) env.print('ok');
};

const pendingMsgs: Handler = (env) => {
  if (env.network.length === 0) env.print('no messages');
  for (const m of env.network) env.print(fmtMessage(m));
};

/** `inject-msg 9->1 MsgHeartbeat term=3 log=1/2 commit=2 reject=true hint=1 context=x`: a peer's message. */
const injectMsg: Handler = (env, a) => {
  const link = /^(\d+)->(\d+)$/.exec(a.positional(0));
  if (link === null) throw new ScriptUsageError('inject-msg: want FROM->TO');
  const type = a.positional(1);
  if (!MESSAGE_TYPES.has(type)) throw new ScriptUsageError(`inject-msg: unknown message type ${type}`);
  const log = /^(\d+)\/(\d+)$/.exec(a.str('log', '0/0'));
  if (log === null) throw new ScriptUsageError('inject-msg: log=TERM/INDEX');
  const m = message({
    type: type as MessageType,
    from: BigInt(link[1]),
    to: BigInt(link[2]),
    term: a.int('term', 0),
    logTerm: Number(log[1]),
    index: Number(log[2]),
    commit: a.int('commit', 0),
    reject: a.bool('reject', false),
    rejectHint: a.int('hint', 0),
    context: text.encode(a.str('context', '')),
  });
  env.send([m]);
  env.print(`queued ${fmtMessage(m)}`);
};

// ---- network faults ----

const partition: Handler = (env, a) => {
  const groups = a.cmd.positional.map((g) =>
    g
      .replace(/^\(|\)$/g, '')
      .split(/[ ,]+/)
      .filter((s) => s !== '')
      .map((s) => parseId(s, 'partition')),
  );
  if (groups.length < 2) throw new ScriptUsageError('partition: want at least two groups, e.g. partition (1,2) (3)');
  for (const [i, g] of groups.entries()) {
    for (const [j, h] of groups.entries()) {
      if (i === j) continue;
      for (const x of g) for (const y of h) env.cut(x, y);
    }
  }
  env.print(`partitioned ${groups.map((g) => fmtIds(g)).join(' | ')}`);
};

const isolate: Handler = (env, a) => {
  for (const id of a.positionalIds()) {
    for (const other of env.ids()) {
      if (other === id) continue;
      env.cut(id, other);
      env.cut(other, id);
    }
    env.print(`isolated ${id}`);
  }
};

const heal: Handler = (env) => {
  env.heal();
  env.print('healed');
};

const reportUnreachable: Handler = (env, a) => {
  const id = a.positionalId(0);
  const peer = a.positionalId(1);
  env.node(id).raw.reportUnreachable(peer);
  env.print('ok');
};

const reportSnapshot: Handler = (env, a) => {
  const id = a.positionalId(0);
  const peer = a.positionalId(1);
  const status = a.str('status', 'ok');
  if (status !== 'ok' && status !== 'failure') throw new ScriptUsageError('report-snapshot: status=ok|failure');
  env.node(id).raw.reportSnapshot(peer, status === 'ok');
  env.print('ok');
};

// ---- storage ----

/** Records an application snapshot at the applied index (or `index=`) without discarding entries. */
const snapshot: Handler = (env, a) => {
  const n = env.node(a.positionalId(0));
  const index = a.int('index', n.applied);
  if (index > n.applied) throw new ScriptUsageError(`snapshot: index ${index} is past applied ${n.applied}`);
  tryRaft(env, () => {
    const s = n.storage.createSnapshotSync(index, env.confStateAt(n, index), new Uint8Array(0));
    env.print(`node ${n.id} snapshot ${fmtSnapshot(s)}`);
  });
};

/** Discards entries up to and including `index`, first taking a snapshot there if the last one is older. */
const compact: Handler = (env, a) => {
  const n = env.node(a.positionalId(0));
  const index = a.cmd.positional.length > 1 ? Number(a.positional(1)) : n.applied;
  if (index > n.applied) throw new ScriptUsageError(`compact: index ${index} is past applied ${n.applied}`);
  if (index <= n.storage.firstIndex() - 1) {
    env.print(`node ${n.id} log already starts at ${n.storage.firstIndex()}`);
    return;
  }
  tryRaft(env, () => {
    if (n.storage.snapshot().metadata.index < index) {
      const s = n.storage.createSnapshotSync(index, env.confStateAt(n, index), new Uint8Array(0));
      env.print(`node ${n.id} snapshot ${fmtSnapshot(s)}`);
    }
    n.storage.compactSync(index);
    env.print(`node ${n.id} log now starts at ${n.storage.firstIndex()}`);
  });
};

// ---- inspection ----

const raftLog: Handler = (env, a) => {
  for (const id of a.positionalIds()) {
    const n = env.node(id);
    const s = n.storage;
    const hs = s.initialState().hardState;
    env.print(`node ${id}: HardState ${fmtHardState(hs)} Applied:${n.applied}`);
    const snap = s.snapshot();
    if (snap.metadata.index > 0) env.print(`  Snapshot ${fmtSnapshot(snap)}`);
    const entries: Entry[] = s.lastIndex() >= s.firstIndex() ? s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity) : [];
    if (entries.length === 0) env.print('  (no entries)');
    for (const e of entries) env.print(`  ${fmtEntry(e)}`);
  }
};

const raftState: Handler = (env) => {
  for (const id of env.ids()) env.print(describeStatus(env.node(id).raw.status()));
};

const status: Handler = (env, a) => {
  for (const id of a.positionalIds()) for (const line of describeProgress(env.node(id).raw.status())) env.print(line);
};

const logLevel: Handler = (env, a) => {
  const level = a.positional(0);
  if (!['debug', 'info', 'warn', 'none'].includes(level)) throw new ScriptUsageError(`log-level: ${level}: debug|info|warn|none`);
  env.logLevel = level as LogLevel;
  env.print('ok');
};

export const COMMANDS: Record<string, Handler> = {
  'add-nodes': addNodes,
  restart,
  'crash-before-persist': crashBeforePersist,
  tick,
  'tick-heartbeat': ticker((o) => o.heartbeatTick),
  'tick-election': ticker((o) => o.electionTick),
  campaign,
  'transfer-leadership': transferLeadership,
  propose,
  'propose-conf-change': proposeConfChange,
  'read-index': readIndex,
  'process-ready': processReady,
  'deliver-msgs': deliverMsgs,
  stabilize,
  'pending-msgs': pendingMsgs,
  'inject-msg': injectMsg,
  partition,
  isolate,
  heal,
  'report-unreachable': reportUnreachable,
  'report-snapshot': reportSnapshot,
  snapshot,
  compact,
  'raft-log': raftLog,
  'raft-state': raftState,
  status,
  'log-level': logLevel,
};
