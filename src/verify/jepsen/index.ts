// The Jepsen-style runner: real three-member clusters on loopback, concurrent clients and watchers, a seeded
// nemesis (kill -9, SIGSTOP, peer partitions through per-member CONNECT proxies, member remove/re-add), and the
// pure checkers of src/verify on what was recorded. I/O harness, outside the determinism lint rule.
export { main, parseJepsenArgs, JEPSEN_USAGE, UsageError, type JepsenArgs } from './cli.ts';
export { runOnce, type RunOptions, type RunResult } from './runner.ts';
export { ClusterHarness, type Convergence } from './cluster-harness.ts';
export { ConnectProxy, LinkTable, type CutMode } from './connect-proxy.ts';
export { FAULT_KINDS, type FaultKind, type FaultRecord } from './nemesis.ts';
export { summarize, writeResults } from './report.ts';
