import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeConfChange } from './confchange-codec.ts';
import { RaftError, RaftErrorCode } from './errors.ts';
import { TestCluster } from './testing/harness.ts';
import {
  LOCAL_MESSAGE_TYPES,
  ConfChangeTransition,
  ConfChangeType,
  EntryType,
  message,
  MessageType,
  StateType,
  type Message,
} from './types.ts';

function stepCode(c: TestCluster, to: bigint, m: unknown): RaftErrorCode | undefined {
  try {
    c.get(to).node.step(m as Message);
  } catch (e) {
    if (e instanceof RaftError) return e.code;
    throw e;
  }
  return undefined;
}

function leaderCluster(): TestCluster {
  const c = new TestCluster([1n, 2n, 3n]);
  c.elect(1n);
  c.propose(1n, 'a');
  c.stabilize();
  return c;
}

describe('bad input from peers', () => {
  it('local message types from the network are refused', () => {
    const c = leaderCluster();
    for (const type of [MessageType.Hup, MessageType.Beat, MessageType.Unreachable, MessageType.SnapStatus, MessageType.CheckQuorum]) {
      expect(stepCode(c, 2n, message({ type, from: 1n, to: 2n, term: 1 }))).toBe(RaftErrorCode.InvalidMessage);
    }
    expect(c.status(2n).softState.raftState).toBe(StateType.Follower);
    expect(c.status(2n).hardState.term).toBe(1);
  });

  it('malformed messages are refused', () => {
    const c = leaderCluster();
    const good = message({ type: MessageType.Heartbeat, from: 1n, to: 2n, term: 1 });
    const bad: unknown[] = [
      null,
      42,
      'MsgApp',
      {},
      { ...good, type: 'MsgBogus' },
      { ...good, from: 0n },
      { ...good, from: 1 },
      { ...good, to: 3n },
      { ...good, term: -1 },
      { ...good, term: 1.5 },
      { ...good, term: 0 },
      { ...good, index: Number.NaN },
      { ...good, commit: '3' },
      { ...good, entries: undefined },
      { ...good, entries: [null] },
      { ...good, context: 'ctx' },
      { ...good, reject: 1 },
      { ...good, type: MessageType.App, entries: [{ index: 9, term: 1, type: EntryType.Normal, data: new Uint8Array() }] },
      { ...good, type: MessageType.App, index: 2, logTerm: 1, entries: [{ index: 3, term: 7, type: EntryType.Normal, data: new Uint8Array() }] },
      { ...good, type: MessageType.App, index: 2, logTerm: 1, entries: [{ index: 3, term: 1, type: 9, data: new Uint8Array() }] },
      { ...good, type: MessageType.Snap },
      { ...good, type: MessageType.Snap, snapshot: { metadata: { index: 0, term: 1, confState: {} }, data: new Uint8Array() } },
      { ...good, type: MessageType.Snap, snapshot: { metadata: { index: 5, term: 1, confState: { voters: [1] } }, data: new Uint8Array() } },
      { ...good, type: MessageType.Prop, term: 0 },
      { ...good, type: MessageType.Prop, term: 3, entries: [{ index: 0, term: 0, type: EntryType.Normal, data: new Uint8Array() }] },
      { ...good, type: MessageType.Vote, logTerm: 5 },
    ];
    for (const m of bad) expect(stepCode(c, 2n, m)).toBe(RaftErrorCode.InvalidMessage);
    expect(c.status(2n).hardState.term).toBe(1);
    c.propose(1n, 'b');
    c.stabilize();
    expect(c.appliedData(2n)).toEqual(['a', 'b']);
  });

  it('responses from unknown peers are refused with StepPeerNotFound', () => {
    const c = leaderCluster();
    for (const type of [MessageType.AppResp, MessageType.HeartbeatResp, MessageType.VoteResp, MessageType.PreVoteResp]) {
      expect(stepCode(c, 1n, message({ type, from: 9n, to: 1n, term: 1, index: 2 }))).toBe(RaftErrorCode.StepPeerNotFound);
    }
  });

  it('stale-term messages are ignored', () => {
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: false });
    c.elect(1n);
    c.elect(2n);
    expect(c.status(2n).hardState.term).toBe(2);
    c.queue = [];
    const ents = [{ index: 3, term: 1, type: EntryType.Normal, data: new Uint8Array([1]) }];
    expect(stepCode(c, 3n, message({ type: MessageType.App, from: 1n, to: 3n, term: 1, index: 2, logTerm: 1, entries: ents }))).toBeUndefined();
    c.processReady(3n);
    expect(c.get(3n).storage.lastIndex()).toBe(c.get(2n).storage.lastIndex());
    expect(c.status(3n).softState.lead).toBe(2n);
    // The stale sender is told the current term.
    expect(c.queue.some((m) => m.type === MessageType.AppResp && m.to === 1n && m.term === 2)).toBe(true);
  });

  it('indexes beyond our log are refused or ignored without harm', () => {
    const c = leaderCluster();
    const last = c.get(2n).storage.lastIndex();
    // An append far beyond the follower's log is rejected with a hint.
    expect(stepCode(c, 2n, message({ type: MessageType.App, from: 1n, to: 2n, term: 1, index: 1000, logTerm: 1, commit: 1000 }))).toBeUndefined();
    c.processReady(2n);
    const rej = c.queue.find((m) => m.type === MessageType.AppResp && m.from === 2n)!;
    expect(rej.reject).toBe(true);
    expect(rej.rejectHint).toBe(last);
    // A heartbeat committing beyond our log does not move the commit index.
    const commit = c.status(2n).hardState.commit;
    stepCode(c, 2n, message({ type: MessageType.Heartbeat, from: 1n, to: 2n, term: 1, commit: 1000 }));
    expect(c.status(2n).hardState.commit).toBe(commit);
    // An acknowledgement beyond the leader's log is ignored.
    stepCode(c, 1n, message({ type: MessageType.AppResp, from: 2n, to: 1n, term: 1, index: 1000 }));
    expect(c.status(1n).progress!.get(2n)!.match).toBeLessThanOrEqual(c.get(1n).storage.lastIndex());
    // A rejection with a wild hint is handled.
    stepCode(c, 1n, message({ type: MessageType.AppResp, from: 2n, to: 1n, term: 1, index: 1000, reject: true, rejectHint: 5000, logTerm: 9 }));
    c.queue = [];
    c.propose(1n, 'b');
    c.tick(1n, 1);
    c.stabilize();
    expect(c.appliedData(2n)).toEqual(['a', 'b']);
  });

  it('an append that would overwrite committed entries changes nothing', () => {
    const c = leaderCluster();
    const committed = c.status(2n).hardState.commit;
    const before = c.get(2n).storage.term(committed);
    const forged = message({
      type: MessageType.App,
      from: 3n,
      to: 2n,
      term: 1,
      index: committed - 1,
      logTerm: 1,
      entries: [{ index: committed, term: 1, type: EntryType.Normal, data: new Uint8Array([9, 9]) }],
    });
    c.queue = [];
    expect(stepCode(c, 2n, forged)).toBeUndefined();
    c.processReady(2n);
    expect(c.get(2n).storage.term(committed)).toBe(before);
    expect(c.get(2n).storage.entries(committed, committed + 1, 1000)[0].data).not.toEqual(new Uint8Array([9, 9]));
    // Answered with our commit index, as for any append below it.
    expect(c.queue.filter((m) => m.from === 2n).map((m) => [m.type, m.index])).toEqual([[MessageType.AppResp, committed]]);
  });

  it('malformed conf changes proposed through a peer become no-ops', () => {
    const c = leaderCluster();
    const garbage = { index: 0, term: 0, type: EntryType.ConfChange, data: new Uint8Array([1, 2, 3]) };
    expect(stepCode(c, 1n, message({ type: MessageType.Prop, from: 2n, to: 1n, entries: [garbage] }))).toBeUndefined();
    c.stabilize();
    expect(c.get(1n).confState.voters).toEqual([1n, 2n, 3n]);
    // And a valid but unacceptable one (removing every voter) too.
    const data = encodeConfChange({
      transition: ConfChangeTransition.JointImplicit,
      changes: [1n, 2n, 3n].map((nodeId) => ({ type: ConfChangeType.RemoveNode, nodeId })),
      context: new Uint8Array(),
    });
    stepCode(c, 1n, message({ type: MessageType.Prop, from: 2n, to: 1n, entries: [{ ...garbage, data }] }));
    c.stabilize();
    expect(c.get(1n).confState.voters).toEqual([1n, 2n, 3n]);
  });
});

// Arbitrary messages, well-formed or not, stepped into a live cluster between normal rounds: the only acceptable
// failure is a RaftError. An AssertionError or a TypeError is a bug.
const ids = fc.constantFrom(0n, 1n, 2n, 3n, 4n, 9n);
const small = fc.oneof(fc.nat(12), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(-1));
const bytes = fc.uint8Array({ maxLength: 6 });
const confChangeBytes = fc
  .record({
    transition: fc.constantFrom(0, 1, 2),
    changes: fc.array(fc.record({ type: fc.constantFrom(0, 1, 2, 3), nodeId: fc.constantFrom(1n, 2n, 3n, 4n, 0n) }), { maxLength: 3 }),
  })
  .map((cc) => encodeConfChange({ ...cc, context: new Uint8Array() }));
const arbEntry = fc.record({
  index: small,
  term: small,
  type: fc.constantFrom(0, 1, 5),
  data: fc.oneof(bytes, confChangeBytes),
});
const arbConfState = fc.record({
  voters: fc.subarray([1n, 2n, 3n, 4n]),
  learners: fc.subarray([4n, 5n]),
  votersOutgoing: fc.subarray([1n, 2n, 3n]),
  learnersNext: fc.subarray([3n, 5n]),
  autoLeave: fc.boolean(),
});
const arbMessage = fc
  .record({
    type: fc.constantFrom(...Object.values(MessageType)),
    from: ids,
    to: fc.constantFrom(1n, 2n, 3n),
    term: fc.oneof(fc.nat(4), small),
    logTerm: fc.oneof(fc.nat(4), small),
    index: small,
    commit: small,
    rejectHint: small,
    reject: fc.boolean(),
    context: bytes,
    contiguous: fc.boolean(),
    entries: fc.array(arbEntry, { maxLength: 3 }),
    snapshot: fc.option(
      fc.record({ metadata: fc.record({ index: small, term: fc.nat(4), confState: arbConfState }), data: bytes }),
      { nil: undefined },
    ),
  })
  .map(({ contiguous, ...m }) => {
    const entries = contiguous
      ? m.entries.map((e, i) => ({ ...e, index: m.index + 1 + i, term: Math.max(0, Math.min(m.term, m.logTerm + i)) }))
      : m.entries;
    return { ...m, entries } as unknown as Message;
  });

// Well-formed messages between real members with plausible terms and indexes: they pass validation and reach
// the state machine's deepest paths (forged leaders, acknowledgements, snapshots, conf changes).
const member = fc.constantFrom(1n, 2n, 3n);
const plausibleMessage = fc
  .record({
    type: fc.constantFrom(...Object.values(MessageType).filter((t) => !LOCAL_MESSAGE_TYPES.has(t))),
    from: member,
    to: member,
    term: fc.integer({ min: 1, max: 4 }),
    logTerm: fc.integer({ min: 0, max: 4 }),
    index: fc.nat(12),
    commit: fc.nat(12),
    rejectHint: fc.nat(12),
    reject: fc.boolean(),
    context: bytes,
    entries: fc.array(fc.record({ type: fc.constantFrom(0, 1), data: fc.oneof(bytes, confChangeBytes) }), { maxLength: 3 }),
    snapshot: fc.record({
      metadata: fc.record({ index: fc.integer({ min: 1, max: 12 }), term: fc.integer({ min: 1, max: 4 }), confState: arbConfState }),
      data: fc.constant(new Uint8Array()),
    }),
  })
  .filter((m) => m.from !== m.to)
  .map((m) => {
    const termless = m.type === MessageType.Prop || m.type === MessageType.ReadIndex;
    const term = termless ? 0 : m.term;
    const logTerm = Math.min(m.logTerm, Math.max(term, 0));
    const entries = m.entries.map((e, i) => ({ ...e, index: m.index + 1 + i, term: Math.max(logTerm, term) }));
    const snapshot = { ...m.snapshot, metadata: { ...m.snapshot.metadata, term: Math.min(m.snapshot.metadata.term, Math.max(term, 1)) } };
    return { ...m, term, logTerm, entries: m.type === MessageType.Prop && entries.length === 0 ? [{ index: 0, term: 0, type: 0, data: new Uint8Array() }] : entries, snapshot } as unknown as Message;
  });

/** Forged traffic can livelock a pair of nodes (e.g. a fake acknowledgement): bounded rounds, no verdict. */
function settle(c: TestCluster, rounds: number): void {
  try {
    c.stabilize(() => true, rounds);
  } catch (e) {
    if (!(e instanceof Error) || e.message !== 'cluster did not stabilize') throw e;
    c.queue = [];
  }
}

describe('fuzzed peer input', () => {
  it('never crashes the core', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arbMessage, plausibleMessage), { minLength: 1, maxLength: 25 }), fc.nat(1000), (msgs, seed) => {
        const c = new TestCluster([1n, 2n, 3n], { preVote: seed % 2 === 0, checkQuorum: seed % 3 !== 0 });
        c.elect(1n);
        c.propose(1n, 'x');
        c.stabilize();
        for (const [i, m] of msgs.entries()) {
          stepCode(c, m.to, m);
          if (i % 3 === 0) c.tickAll();
          settle(c, 30);
          try {
            c.get(1n).node.propose(new Uint8Array([i]));
          } catch (e) {
            if (!(e instanceof RaftError)) throw e;
          }
        }
        for (let i = 0; i < 30; i++) {
          c.tickAll();
          settle(c, 30);
        }
      }),
      { numRuns: Number(process.env.RAFT_FUZZ_RUNS ?? 60), seed: Number(process.env.RAFT_FUZZ_SEED ?? 42), endOnFailure: true },
    );
  });
});
