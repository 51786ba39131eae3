// The linearizability checker: a generic Wing–Gong/Lowe search over any Model, and etcd's KV model.

export type {
  CheckBudget,
  CheckResult,
  Counterexample,
  Model,
  Operation,
  PlacedOperation,
  SearchStats,
  UnplaceableOperation,
} from './types.ts';
export { checkLinearizability } from './check.ts';
export type { KvCompare, KvGetResult, KvInput, KvOperation, KvOpResult, KvOutput, KvRequestOp } from './kv-types.ts';
export { casInput } from './kv-types.ts';
export { KvModel, type KvModelOptions, type KvState, type RevisionCheck } from './kv-model.ts';
export { checkRevisionOrder, type RevisionViolation } from './kv-revisions.ts';
export { checkKvHistory, type KvCheckOptions, type KvCheckResult } from './kv-check.ts';
