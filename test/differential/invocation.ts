// The shape of one etcdctl call in a differential script. Scripts are data: the same list runs, in order, against
// real etcd (the oracle) and against barque, and the transcripts are compared after normalization.

/**
 * A value that legitimately differs between two correct servers, normalized only for the invocations that name
 * it (each with its reason):
 * - `raft-index`: endpoint status raft index / applied index count internal entries (member publish, cluster
 *   version) whose number is not part of the client API.
 * - `db-size`: byte sizes of the backend file depend on its page allocation history.
 * - `hash`: hashes that cover bytes holding ids we also normalize (lease ids inside KeyValue records, member ids
 *   and URLs in the snapshot's members bucket).
 * - `ttl-remaining`: seconds left on a lease depend on the wall clock between grant and query.
 */
export type Volatile = 'raft-index' | 'db-size' | 'hash' | 'ttl-remaining';

export interface Capture {
  /** Name used as `${name}` in later args and as `<name>` in normalized output. */
  name: string;
  /** First group is the captured text, searched in stdout. */
  pattern: RegExp;
  /** How the captured text spells a 64-bit id, so both spellings get normalized. */
  idFormat: 'hex' | 'dec';
}

export interface Invocation {
  /** Unique, short, readable: shown in diffs. */
  id: string;
  /** etcdctl arguments after the endpoints flag; `${var}` expands captures, `${dir}` the run's scratch dir. */
  args: string[];
  stdin?: string;
  capture?: Capture;
  volatile?: Volatile[];
  /** For commands that do not end by themselves (watch): stop after this many stdout lines (or the time bound). */
  stopAfterLines?: number;
  /** Hard bound on the command; default 30 s, watches 8 s. */
  timeoutMs?: number;
}

/** Lines of an etcdctl txn script read from stdin: compares, blank line, success ops, blank line, failure ops. */
export function txnScript(compares: string[], success: string[], failure: string[]): string {
  return `${compares.join('\n')}\n\n${success.join('\n')}\n\n${failure.join('\n')}\n\n`;
}
