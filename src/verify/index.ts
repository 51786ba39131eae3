// Verification tools for histories recorded from barque (or any etcd): a linearizability checker with an etcd
// KV model, and watch-stream validators. Pure and deterministic: no I/O, no clock, no randomness.

export * from './linearizability/index.ts';
export * from './watch/index.ts';
