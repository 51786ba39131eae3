// Randomized runs of an honest cluster under message loss, duplication, reordering, partitions, restarts and
// compaction. Safety is checked after every step; liveness once the network heals. Each failure is a seed.
import { describe, expect, it } from 'vitest';
import { RaftError } from './errors.ts';
import { SeededRng } from './rng.ts';
import { decodeApplied, encodeApplied, TestCluster } from './testing/harness.ts';
import { ConfChangeTransition, ConfChangeType, StateType, type Message, type NodeId } from './types.ts';

interface RunOptions {
  voters: number;
  steps: number;
  /** Extra nodes started empty, and random membership changes proposed among all nodes. */
  spares?: number;
}

function runOnce(seed: number, opts: RunOptions): void {
  const rng = new SeededRng(seed);
  const voterIds = Array.from({ length: opts.voters }, (_, i) => BigInt(i + 1));
  const ids = Array.from({ length: opts.voters + (opts.spares ?? 0) }, (_, i) => BigInt(i + 1));
  const c = new TestCluster(voterIds, {
    preVote: rng.int(2) === 0,
    checkQuorum: rng.int(2) === 0,
    maxSizePerMsg: 1 + rng.int(400),
    maxInflightMsgs: 1 + rng.int(4),
    deferCommitBroadcast: rng.int(2) === 0,
  });
  for (const id of ids.slice(opts.voters)) c.addNode(id);
  const pick = <T>(xs: T[]): T => xs[rng.int(xs.length)];
  const leaderOfTerm = new Map<number, NodeId>();
  const committedAt = new Map<number, string>();
  let proposals = 0;

  const check = (): void => {
    for (const t of c.nodes.values()) {
      const s = t.node.basicStatus();
      if (s.softState.raftState === StateType.Leader) {
        const prev = leaderOfTerm.get(s.hardState.term);
        expect(prev === undefined || prev === t.id, `two leaders in term ${s.hardState.term} (seed ${seed})`).toBe(true);
        leaderOfTerm.set(s.hardState.term, t.id);
      }
      for (const e of t.applied) {
        const key = `${e.term}:${Array.from(e.data).join(',')}`;
        const prev = committedAt.get(e.index);
        if (prev === undefined) committedAt.set(e.index, key);
        else expect(prev, `divergent entry at ${e.index} on ${t.id} (seed ${seed})`).toBe(key);
      }
    }
  };

  const deliverChaotic = (): void => {
    const batch = c.queue;
    c.queue = [];
    // Shuffle, drop some, duplicate some.
    for (let i = batch.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [batch[i], batch[j]] = [batch[j], batch[i]];
    }
    const keep: Message[] = [];
    for (const m of batch) {
      const r = rng.int(100);
      if (r < 10) {
        c.reportSnapshotOutcome(m, false);
        continue;
      }
      keep.push(m);
      if (r > 95) keep.push(m);
    }
    c.queue = keep;
    c.deliver();
  };

  const restart = (id: NodeId): void => {
    const t = c.get(id);
    const snap = t.storage.snapshot();
    const fresh = c.addNode(id, t.storage, { applied: snap.metadata.index });
    fresh.applied = decodeApplied(snap.data);
    fresh.confState = snap.metadata.confState;
  };

  const compact = (id: NodeId): void => {
    const t = c.get(id);
    const applied = t.node.basicStatus().applied;
    if (applied <= t.storage.snapshot().metadata.index) return;
    t.storage.createSnapshotSync(applied, t.confState, encodeApplied(t.applied));
    t.storage.compactSync(applied);
  };

  for (let step = 0; step < opts.steps; step++) {
    const r = rng.int(100);
    const id = pick(ids);
    if (r < 30) {
      c.tick(id);
    } else if (r < 45) {
      try {
        c.get(id).node.propose(new Uint8Array([proposals & 255, proposals >> 8]));
        proposals++;
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
      }
    } else if (r < 48 && opts.spares) {
      const changes = Array.from({ length: 1 + rng.int(2) }, () => ({
        type: pick([ConfChangeType.AddNode, ConfChangeType.RemoveNode, ConfChangeType.AddLearnerNode]),
        nodeId: pick(ids),
      }));
      const transition = pick([ConfChangeTransition.Auto, ConfChangeTransition.JointImplicit, ConfChangeTransition.JointExplicit]);
      const leave = rng.int(4) === 0;
      try {
        c.get(id).node.proposeConfChange({ transition, changes: leave ? [] : changes, context: new Uint8Array() });
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
      }
    } else if (r < 75) {
      c.processReady(id);
    } else if (r < 93) {
      deliverChaotic();
    } else if (r < 95) {
      c.partition(id, pick(ids));
    } else if (r < 97) {
      c.heal();
    } else if (r < 98) {
      if (rng.int(2) === 0) {
        restart(id);
      } else {
        // Crash in the one window the Ready contract allows: early messages sent, the write lost.
        const t = c.get(id);
        if (t.node.hasReady()) {
          const rd = t.node.ready();
          for (const m of rd.messages) c.queue.push(m);
        }
        restart(id);
      }
    } else {
      compact(id);
    }
    check();
  }

  // Log Matching on the durable logs: where two logs hold an entry of the same index and term, they agree on
  // every entry before it.
  const logs = [...c.nodes.values()].map((t) => {
    const terms = new Map<number, number>();
    for (let i = t.storage.firstIndex(); i <= t.storage.lastIndex(); i++) terms.set(i, t.storage.term(i));
    return terms;
  });
  for (const a of logs) {
    for (const b of logs) {
      let agreeFrom = Infinity;
      for (const [i, term] of [...a].sort((x, y) => y[0] - x[0])) {
        if (b.get(i) === term) agreeFrom = Math.min(agreeFrom, i);
        else if (i < agreeFrom && b.has(i) && agreeFrom !== Infinity) {
          expect.fail(`log matching violated at ${i} (seed ${seed})`);
        }
      }
    }
  }

  // Liveness: heal, deliver reliably, and the cluster converges.
  c.heal();
  for (let i = 0; i < 300; i++) {
    c.tickAll();
    c.stabilize();
    if (c.leader() !== undefined && i > 30) break;
  }
  check();
  if (process.env.RAFT_DEBUG_CONF) console.log(seed, [...c.nodes.values()].map((t) => `${t.id}:${t.confState.voters.join(',')}|${t.confState.votersOutgoing.join(',')}|${t.confState.learners.join(',')}`).join(' '));
  const lead = c.leader();
  expect(lead, `no leader after healing (seed ${seed})`).toBeDefined();
  c.get(lead!).node.propose(new Uint8Array([0xff, 0xff]));
  c.stabilize();
  c.tickAll();
  c.stabilize();
  check();
  const want = c.get(lead!).applied.map((e) => e.index).at(-1);
  if (process.env.RAFT_DEBUG) {
    console.log(c.status(lead!).progress, c.get(lead!).storage.firstIndex(), c.get(lead!).storage.snapshot().metadata);
    for (const t of c.nodes.values()) console.log(t.id, t.node.status().hardState, t.node.status().applied, t.storage.firstIndex(), t.storage.lastIndex(), t.storage.snapshot().metadata.index, t.storage.snapshot().metadata.confState.voters);
    c.sent = [];
    c.tickAll(); c.stabilize();
    for (const m of c.sent) console.log(m.type, m.from, m.to, m.term, m.index, m.logTerm, m.entries.length, m.reject, m.rejectHint, m.commit, m.snapshot?.metadata.index);
  }
  const members = new Set([...c.get(lead!).confState.voters, ...c.get(lead!).confState.learners]);
  for (const t of [...c.nodes.values()].filter((n) => members.has(n.id))) expect(t.applied.map((e) => e.index).at(-1), `node ${t.id} behind (seed ${seed})`).toBe(want);
}

// RAFT_RANDOM_FIRST_SEED / RAFT_RANDOM_RUNS widen a run by hand; the defaults keep the suite fast.
const firstSeed = Number(process.env.RAFT_RANDOM_FIRST_SEED ?? 1);
const runs = Number(process.env.RAFT_RANDOM_RUNS ?? 30);

describe('randomized cluster runs', () => {
  it('3 voters stay safe under chaos and converge when healed', () => {
    for (let seed = firstSeed; seed < firstSeed + runs; seed++) runOnce(seed, { voters: 3, steps: 400 });
  });

  it('5 voters stay safe under chaos and converge when healed', () => {
    for (let seed = firstSeed + 1000; seed < firstSeed + 1000 + runs / 2; seed++) runOnce(seed, { voters: 5, steps: 500 });
  });

  it('membership changes (simple and joint) under chaos stay safe and converge', () => {
    for (let seed = Number(process.env.RAFT_SEED ?? firstSeed + 2000); seed < firstSeed + 2000 + runs; seed++) {
      runOnce(seed, { voters: 3, steps: 600, spares: 2 });
    }
  });
});
