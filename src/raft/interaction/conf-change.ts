// Script syntax for membership changes: `voter:2 learner:4 remove:3 update:1 [transition=auto|implicit|explicit]`;
// no change at all (or the word `leave-joint`) is the empty ConfChangeV2 that leaves a joint configuration.
import {
  ConfChangeTransition,
  ConfChangeType,
  decodeConfChange,
  encodeConfChange,
  type ConfChangeSingle,
  type ConfChangeV2,
} from '../index.ts';
import { ScriptUsageError } from './script.ts';

const CHANGE_TYPES: Record<string, ConfChangeType> = {
  voter: ConfChangeType.AddNode,
  learner: ConfChangeType.AddLearnerNode,
  remove: ConfChangeType.RemoveNode,
  update: ConfChangeType.UpdateNode,
};

const TRANSITIONS: Record<string, ConfChangeTransition> = {
  auto: ConfChangeTransition.Auto,
  implicit: ConfChangeTransition.JointImplicit,
  explicit: ConfChangeTransition.JointExplicit,
};

export function parseConfChange(words: readonly string[], transition = 'auto'): ConfChangeV2 {
  const t = TRANSITIONS[transition];
  if (t === undefined) throw new ScriptUsageError(`unknown transition ${JSON.stringify(transition)} (auto|implicit|explicit)`);
  const changes: ConfChangeSingle[] = [];
  for (const w of words) {
    if (w === 'leave-joint') continue;
    const m = /^([a-z]+):(\d+)$/.exec(w);
    const type = m === null ? undefined : CHANGE_TYPES[m[1]];
    if (m === null || type === undefined) {
      throw new ScriptUsageError(`bad conf change ${JSON.stringify(w)}: want voter:ID, learner:ID, remove:ID or update:ID`);
    }
    changes.push({ type, nodeId: BigInt(m[2]) });
  }
  return { transition: t, changes, context: new Uint8Array(0) };
}

export function encodeConfChangeData(cc: ConfChangeV2): Uint8Array {
  return encodeConfChange(cc);
}

export function decodeConfChangeData(data: Uint8Array): ConfChangeV2 {
  return decodeConfChange(data);
}
