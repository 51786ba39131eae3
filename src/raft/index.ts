// The public door of the Raft core: data types, the RawNode, configuration and the storage contract.
export * from './types.ts';
export { RawNode } from './raw-node.ts';
export type { Status, BasicStatus, ProgressStatus } from './status.ts';
export { initialConfState, bootstrapSnapshot, BOOTSTRAP_INDEX, BOOTSTRAP_TERM } from './bootstrap.ts';
export { encodeConfChange, decodeConfChange } from './confchange-codec.ts';
export {
  RaftError,
  RaftErrorCode,
  errProposalDropped,
  errTransferInProgress,
  errCompacted,
  errUnavailable,
  errSnapOutOfDate,
} from './errors.ts';
export { AssertionError } from './assert.ts';
export {
  resolveConfig,
  silentLogger,
  type Config,
  type ResolvedConfig,
  type RaftLogger,
  type UnsafeTestingOptions,
} from './config.ts';
export { SeededRng, type Rng } from './rng.ts';
export { entrySizeBytes, type ReadableLog, type LogStorage, type SaveRequest, type InitialState } from './storage.ts';
