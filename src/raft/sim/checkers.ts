// The simulator's safety checkers. They watch every node continuously and record the first violation; the
// simulator stops the seed as soon as one is recorded.
//
//  - election safety: at most one leader per term;
//  - log matching: an (index, term) pair names one entry, always preceded by the same term (so, inductively,
//    two logs that share an (index, term) share the whole prefix);
//  - leader completeness: a new leader's log holds every entry known to be committed in an earlier term;
//  - state-machine safety: every node applies the same entry at each index, and reaches the same state;
//  - durability: after a crash, what a node recovers agrees with what was committed;
//  - acknowledged writes survive: checked at the end of the liveness phase (see simulator.ts);
//  - linearizable reads: a ReadIndex read sees every write acknowledged before it began (simulator.ts).
import { EntryType, type Entry, type NodeId } from '../types.ts';
import { decodeProposal } from './app.ts';

export interface Violation {
  kind:
    | 'election-safety'
    | 'log-matching'
    | 'leader-completeness'
    | 'state-machine-safety'
    | 'durability'
    | 'lost-acknowledged-write'
    | 'stale-read'
    | 'core-assertion'
    | 'liveness';
  description: string;
}

/** Random-access view of one node's log, for the checks that need it. Undefined = not in this log. */
export interface LogView {
  firstIndex: number;
  lastIndex: number;
  term(index: number): number | undefined;
}

export function entryKey(e: Entry): string {
  if (e.type === EntryType.ConfChange) return `cc:${Array.from(e.data).join(',')}`;
  const id = decodeProposal(e.data);
  return id === undefined ? 'noop' : `p${id}`;
}

export class Checkers {
  violation: Violation | undefined;
  private readonly leaderByTerm = new Map<number, NodeId>();
  /** Dense by index: the committed entry's term and key (undefined = not yet known committed). */
  private readonly committedTerm: number[] = [];
  private readonly committedKey: string[] = [];
  /**
   * Dense by index: the term of the node that first reported the entry committed. A node learns of a commit in
   * its current term, which is at least the committing leader's term, so "every leader of a later term holds it"
   * is safe to demand of leaders whose term exceeds this.
   */
  private readonly committedInTerm: number[] = [];
  /** Dense by index: the application digest after applying that index. */
  private readonly digestAt: number[] = [];
  /** "index:term" -> the entry's key and its predecessor's term. */
  private readonly entries = new Map<string, { key: string; prevTerm: number }>();
  committedIndexMax = 0;
  checks = 0;

  fail(kind: Violation['kind'], description: string): void {
    if (this.violation === undefined) this.violation = { kind, description };
  }

  get ok(): boolean {
    return this.violation === undefined;
  }

  onLeader(id: NodeId, term: number): void {
    this.checks++;
    const prior = this.leaderByTerm.get(term);
    if (prior === undefined) this.leaderByTerm.set(term, id);
    else if (prior !== id) this.fail('election-safety', `term ${term} has two leaders: ${prior} and ${id}`);
  }

  /** A node in term `nodeTerm` handed out `e` as committed. */
  onCommitted(id: NodeId, e: Entry, nodeTerm: number): void {
    this.checks++;
    const key = entryKey(e);
    const term = this.committedTerm[e.index];
    if (term === undefined) {
      this.committedTerm[e.index] = e.term;
      this.committedKey[e.index] = key;
      this.committedInTerm[e.index] = nodeTerm;
      if (e.index > this.committedIndexMax) this.committedIndexMax = e.index;
    } else if (term !== e.term || this.committedKey[e.index] !== key) {
      this.fail(
        'state-machine-safety',
        `node ${id} commits ${e.index}/${e.term} ${key}, but ${e.index}/${term} ${this.committedKey[e.index]} was committed`,
      );
    }
  }

  committedTermAt(index: number): number | undefined {
    return this.committedTerm[index];
  }

  /** The application of node `id` reached `digest` after applying `index` (or installing a snapshot at it). */
  onApplied(id: NodeId, index: number, digest: number): void {
    this.checks++;
    const known = this.digestAt[index];
    if (known === undefined) this.digestAt[index] = digest;
    else if (known !== digest) {
      this.fail('state-machine-safety', `node ${id} state at index ${index} is ${hex(digest)}, others had ${hex(known)}`);
    }
  }

  /** Node `id` persisted `e`, whose predecessor in its log has term `prevTerm`. */
  onPersisted(id: NodeId, e: Entry, prevTerm: number): void {
    this.checks++;
    const name = `${e.index}:${e.term}`;
    const key = entryKey(e);
    const known = this.entries.get(name);
    if (known === undefined) {
      this.entries.set(name, { key, prevTerm });
    } else if (known.key !== key) {
      this.fail('log-matching', `node ${id} holds ${e.index}/${e.term} as ${key}, another log holds it as ${known.key}`);
    } else if (known.prevTerm !== prevTerm) {
      this.fail(
        'log-matching',
        `node ${id} holds ${e.index}/${e.term} after term ${prevTerm}, another log after term ${known.prevTerm}`,
      );
    }
  }

  /** A node that became leader of `term` must hold every entry committed in an earlier term. */
  checkLeaderCompleteness(id: NodeId, term: number, log: LogView): void {
    this.checks++;
    for (let i = this.committedIndexMax; i >= 1; i--) {
      const ct = this.committedTerm[i];
      if (ct === undefined || this.committedInTerm[i] >= term) continue;
      if (i < log.firstIndex) return; // inside its snapshot: committed by construction
      const have = i <= log.lastIndex ? log.term(i) : undefined;
      if (have !== ct) {
        this.fail(
          'leader-completeness',
          `node ${id} leads term ${term} without committed entry ${i}/${ct} (it has ${have === undefined ? 'nothing' : `term ${have}`} there, last index ${log.lastIndex})`,
        );
        return;
      }
    }
  }

  /** After a restart: the recovered commit index is backed by entries that agree with what was committed. */
  checkRecovered(id: NodeId, commit: number, snapshotIndex: number, log: LogView): void {
    this.checks++;
    if (commit > log.lastIndex) {
      this.fail('durability', `node ${id} recovered commit ${commit} beyond its last durable index ${log.lastIndex}`);
      return;
    }
    for (let i = Math.max(snapshotIndex + 1, log.firstIndex); i <= commit; i++) {
      const ct = this.committedTerm[i];
      const have = log.term(i);
      if (ct !== undefined && have !== ct) {
        this.fail('durability', `node ${id} recovered ${i}/${have} but ${i}/${ct} was committed`);
        return;
      }
    }
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
