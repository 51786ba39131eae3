import { describe, expect, it } from 'vitest';
import { decodeConfChange, encodeConfChange } from '../confchange-codec.ts';
import { RaftError, RaftErrorCode } from '../errors.ts';
import { confStateOf, emptyTrackerConfig, type ProgressMap, type TrackerConfig } from '../tracker/index.ts';
import { ConfChangeTransition, ConfChangeType, type ConfChangeSingle, type ConfState } from '../types.ts';
import { Changer, type ChangeResult } from './changer.ts';
import { restoreConfig } from './restore.ts';

const add = (n: number): ConfChangeSingle => ({ type: ConfChangeType.AddNode, nodeId: BigInt(n) });
const learner = (n: number): ConfChangeSingle => ({ type: ConfChangeType.AddLearnerNode, nodeId: BigInt(n) });
const remove = (n: number): ConfChangeSingle => ({ type: ConfChangeType.RemoveNode, nodeId: BigInt(n) });

const changer = (r: { config: TrackerConfig; progress: ProgressMap }) => new Changer(r.config, r.progress, 10, 16);
const empty = (): ChangeResult => ({ config: emptyTrackerConfig(), progress: new Map() });
const cs = (r: ChangeResult) => confStateOf(r.config);
const nums = (xs: bigint[]) => xs.map(Number);

function expectInvalid(f: () => unknown, msg: RegExp): void {
  try {
    f();
    expect.unreachable();
  } catch (e) {
    expect(e).toBeInstanceOf(RaftError);
    expect((e as RaftError).code).toBe(RaftErrorCode.InvalidConfChange);
    expect((e as RaftError).message).toMatch(msg);
  }
}

describe('Changer.simple', () => {
  it('adds voters one at a time and refuses two voter changes at once', () => {
    let r = changer(empty()).simple([add(1)]);
    r = changer(r).simple([add(2)]);
    expect(nums(cs(r).voters)).toEqual([1, 2]);
    expectInvalid(() => changer(r).simple([add(3), add(4)]), /more than one voter/);
    // Learners do not count as voter changes.
    r = changer(r).simple([add(3), learner(4), learner(5)]);
    expect(nums(cs(r).learners)).toEqual([4, 5]);
    expect(r.progress.get(4n)!.isLearner).toBe(true);
    expect(r.progress.get(4n)!.next).toBe(10);
  });

  it('refuses removing the last voter', () => {
    const r = changer(empty()).simple([add(1)]);
    expectInvalid(() => changer(r).simple([remove(1)]), /removed all voters/);
  });

  it('promotes a learner and demotes a voter', () => {
    let r = changer(empty()).simple([add(1)]);
    r = changer(r).simple([learner(2)]);
    r = changer(r).simple([add(2)]);
    expect(nums(cs(r).voters)).toEqual([1, 2]);
    expect(cs(r).learners).toEqual([]);
    r = changer(r).simple([learner(2)]);
    expect(nums(cs(r).voters)).toEqual([1]);
    expect(nums(cs(r).learners)).toEqual([2]);
  });
});

describe('Changer joint', () => {
  it('enters and leaves a joint config, dropping removed outgoing voters', () => {
    let r = restoreConfig({ voters: [1n, 2n, 3n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }, {
      lastIndex: 5,
      maxInflight: 4,
    });
    r = changer(r).enterJoint(true, [add(4), remove(1)]);
    expect(nums(cs(r).voters)).toEqual([2, 3, 4]);
    expect(nums(cs(r).votersOutgoing)).toEqual([1, 2, 3]);
    expect(cs(r).autoLeave).toBe(true);
    expect(r.progress.has(1n)).toBe(true);
    expectInvalid(() => changer(r).enterJoint(false, [add(5)]), /already joint/);
    expectInvalid(() => changer(r).simple([add(5)]), /joint config/);
    r = changer(r).leaveJoint();
    expect(nums(cs(r).voters)).toEqual([2, 3, 4]);
    expect(cs(r).votersOutgoing).toEqual([]);
    expect(r.progress.has(1n)).toBe(false);
    expect(cs(r).autoLeave).toBe(false);
    expectInvalid(() => changer(r).leaveJoint(), /non-joint/);
  });

  it('demoting a voter in a joint config goes through learnersNext', () => {
    let r = restoreConfig({ voters: [1n, 2n, 3n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }, {
      lastIndex: 5,
      maxInflight: 4,
    });
    r = changer(r).enterJoint(false, [learner(3)]);
    expect(nums(cs(r).learnersNext)).toEqual([3]);
    expect(cs(r).learners).toEqual([]);
    r = changer(r).leaveJoint();
    expect(nums(cs(r).learners)).toEqual([3]);
    expect(nums(cs(r).voters)).toEqual([1, 2]);
    expect(r.progress.get(3n)!.isLearner).toBe(true);
  });

  it('refuses to make a zero-voter config joint', () => {
    expectInvalid(() => changer(empty()).enterJoint(false, [add(1)]), /zero-voter/);
  });
});

describe('restoreConfig', () => {
  const cases: ConfState[] = [
    { voters: [1n, 2n, 3n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
    { voters: [1n, 2n], learners: [5n], votersOutgoing: [], learnersNext: [], autoLeave: false },
    { voters: [1n, 2n, 4n], learners: [6n], votersOutgoing: [1n, 2n, 3n], learnersNext: [3n], autoLeave: true },
    { voters: [7n], learners: [], votersOutgoing: [1n, 2n, 3n], learnersNext: [], autoLeave: false },
  ];
  for (const c of cases) {
    it(`round-trips ${JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`, () => {
      const r = restoreConfig(c, { lastIndex: 3, maxInflight: 4 });
      expect(cs(r)).toEqual(c);
    });
  }

  it('an empty ConfState restores to an empty config', () => {
    const r = restoreConfig({ voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }, {
      lastIndex: 0,
      maxInflight: 4,
    });
    expect(r.progress.size).toBe(0);
  });
});

describe('conf change codec', () => {
  it('round-trips', () => {
    const cc = {
      transition: ConfChangeTransition.JointExplicit,
      changes: [add(1), remove(2), learner(3), { type: ConfChangeType.UpdateNode, nodeId: (1n << 64n) - 1n }],
      context: new Uint8Array([1, 2, 3]),
    };
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    const leave = { transition: ConfChangeTransition.Auto, changes: [], context: new Uint8Array() };
    expect(decodeConfChange(encodeConfChange(leave))).toEqual(leave);
  });

  it('refuses malformed bytes with InvalidConfChange', () => {
    const good = encodeConfChange({ transition: ConfChangeTransition.Auto, changes: [add(1)], context: new Uint8Array([9]) });
    const bad = [
      new Uint8Array(),
      good.slice(0, good.length - 1),
      Uint8Array.from([...good, 0]),
      Uint8Array.from([2, ...good.slice(1)]),
      Uint8Array.from([1, 7, ...good.slice(2)]),
      (() => {
        const b = good.slice();
        b[6] = 99;
        return b;
      })(),
      (() => {
        const b = good.slice();
        b[2] = 0xff;
        return b;
      })(),
    ];
    for (const b of bad) expectInvalid(() => decodeConfChange(b), /./);
  });
});
