// Computes the configuration (and progress map) that results from a ConfChangeV2, without touching the live
// tracker: the caller switches to the result only if it is valid. Every invalid change is a RaftError
// InvalidConfChange, because changes come from the replicated log and the application.
import { assert } from '../assert.ts';
import { RaftError, RaftErrorCode } from '../errors.ts';
import { isJoint } from '../quorum/index.ts';
import {
  cloneProgressMap,
  cloneTrackerConfig,
  Progress,
  type ProgressMap,
  type TrackerConfig,
} from '../tracker/index.ts';
import { ConfChangeType, NONE, type ConfChangeSingle, type NodeId } from '../types.ts';

export interface ChangeResult {
  config: TrackerConfig;
  progress: ProgressMap;
}

interface Mutable {
  incoming: Set<NodeId>;
  outgoing: Set<NodeId>;
  learners: Set<NodeId>;
  learnersNext: Set<NodeId>;
  autoLeave: boolean;
  progress: ProgressMap;
}

function invalid(msg: string): RaftError {
  return new RaftError(RaftErrorCode.InvalidConfChange, `invalid conf change: ${msg}`);
}

export class Changer {
  constructor(
    private readonly config: TrackerConfig,
    private readonly progress: ProgressMap,
    /** New nodes start probing at this index. */
    private readonly lastIndex: number,
    private readonly maxInflight: number,
    private readonly maxInflightBytes = 0,
  ) {}

  /** Enters the joint configuration (old voters && new voters) that carries out `changes`. */
  enterJoint(autoLeave: boolean, changes: ConfChangeSingle[]): ChangeResult {
    const m = this.copy();
    if (m.outgoing.size > 0) throw invalid('config is already joint');
    if (m.incoming.size === 0) throw invalid("can't make a zero-voter config joint");
    for (const id of m.incoming) m.outgoing.add(id);
    this.apply(m, changes);
    m.autoLeave = autoLeave;
    return this.finish(m);
  }

  /** Leaves the joint configuration: outgoing voters not in the incoming set are dropped, learnersNext promoted. */
  leaveJoint(): ChangeResult {
    const m = this.copy();
    if (m.outgoing.size === 0) throw invalid("can't leave a non-joint config");
    for (const id of m.learnersNext) {
      m.learners.add(id);
      const pr = m.progress.get(id);
      assert(pr !== undefined, () => `learnerNext ${id} has no progress`);
      pr.isLearner = true;
    }
    m.learnersNext.clear();
    for (const id of m.outgoing) {
      if (!m.incoming.has(id) && !m.learners.has(id)) m.progress.delete(id);
    }
    m.outgoing.clear();
    m.autoLeave = false;
    return this.finish(m);
  }

  /** Carries out changes that alter at most one voter, without a joint configuration. */
  simple(changes: ConfChangeSingle[]): ChangeResult {
    const m = this.copy();
    if (m.outgoing.size > 0) throw invalid("can't apply simple config change in joint config");
    const before = new Set(m.incoming);
    this.apply(m, changes);
    let diff = 0;
    for (const id of before) if (!m.incoming.has(id)) diff++;
    for (const id of m.incoming) if (!before.has(id)) diff++;
    if (diff > 1) throw invalid('more than one voter changed without entering joint config');
    return this.finish(m);
  }

  private copy(): Mutable {
    const c = cloneTrackerConfig(this.config);
    return {
      incoming: new Set(c.voters.incoming),
      outgoing: new Set(c.voters.outgoing),
      learners: new Set(c.learners),
      learnersNext: new Set(c.learnersNext),
      autoLeave: c.autoLeave,
      progress: cloneProgressMap(this.progress),
    };
  }

  private apply(m: Mutable, changes: ConfChangeSingle[]): void {
    for (const cc of changes) {
      if (cc.nodeId === NONE) continue; // etcd's convention: a change of node 0 is a no-op
      switch (cc.type) {
        case ConfChangeType.AddNode:
          this.makeVoter(m, cc.nodeId);
          break;
        case ConfChangeType.AddLearnerNode:
          this.makeLearner(m, cc.nodeId);
          break;
        case ConfChangeType.RemoveNode:
          this.remove(m, cc.nodeId);
          break;
        case ConfChangeType.UpdateNode:
          break;
        default:
          throw invalid(`unknown change type ${String(cc.type)}`);
      }
    }
    if (m.incoming.size === 0) throw invalid('removed all voters');
  }

  private makeVoter(m: Mutable, id: NodeId): void {
    const pr = m.progress.get(id);
    if (!pr) {
      this.initProgress(m, id, false);
      return;
    }
    pr.isLearner = false;
    m.learners.delete(id);
    m.learnersNext.delete(id);
    m.incoming.add(id);
  }

  private makeLearner(m: Mutable, id: NodeId): void {
    const pr = m.progress.get(id);
    if (!pr) {
      this.initProgress(m, id, true);
      return;
    }
    if (pr.isLearner) return;
    // Demote: drop from the incoming voters, keep the progress.
    this.remove(m, id);
    m.progress.set(id, pr);
    if (m.outgoing.has(id)) {
      // Still a voter of the outgoing half until the joint config is left.
      m.learnersNext.add(id);
    } else {
      pr.isLearner = true;
      m.learners.add(id);
    }
  }

  private remove(m: Mutable, id: NodeId): void {
    if (!m.progress.has(id)) return;
    m.incoming.delete(id);
    m.learners.delete(id);
    m.learnersNext.delete(id);
    if (!m.outgoing.has(id)) m.progress.delete(id);
  }

  private initProgress(m: Mutable, id: NodeId, isLearner: boolean): void {
    if (isLearner) m.learners.add(id);
    else m.incoming.add(id);
    const pr = new Progress({
      next: Math.max(this.lastIndex, 1),
      maxInflight: this.maxInflight,
      maxInflightBytes: this.maxInflightBytes,
      isLearner,
    });
    // A new node counts as active so that check-quorum does not depose the leader before it hears from it.
    pr.recentActive = true;
    m.progress.set(id, pr);
  }

  private finish(m: Mutable): ChangeResult {
    const config: TrackerConfig = {
      voters: { incoming: m.incoming, outgoing: m.outgoing },
      learners: m.learners,
      learnersNext: m.learnersNext,
      autoLeave: m.autoLeave,
    };
    checkInvariants(config, m.progress);
    return { config, progress: m.progress };
  }
}

/** The structural invariants of a configuration; a violation is a bug in the changer. */
export function checkInvariants(c: TrackerConfig, progress: ProgressMap): void {
  for (const id of [...c.voters.incoming, ...c.voters.outgoing, ...c.learners, ...c.learnersNext]) {
    assert(progress.has(id), () => `no progress for ${id}`);
  }
  for (const id of c.learnersNext) {
    assert(c.voters.outgoing.has(id), () => `${id} is in learnersNext but not an outgoing voter`);
    assert(!progress.get(id)!.isLearner, () => `${id} is in learnersNext but already marked learner`);
  }
  for (const id of c.learners) {
    assert(!c.voters.incoming.has(id) && !c.voters.outgoing.has(id), () => `learner ${id} is also a voter`);
    assert(progress.get(id)!.isLearner, () => `learner ${id} not marked learner`);
  }
  if (!isJoint(c.voters)) {
    assert(c.learnersNext.size === 0, 'learnersNext outside a joint config');
    assert(!c.autoLeave, 'autoLeave outside a joint config');
  }
}
