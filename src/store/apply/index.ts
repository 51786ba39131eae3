// The door of the apply room: log entries for the store, the applier chain, and proposers.
export { encodeInternalRequest, decodeInternalRequest, type InternalRequest, type InternalRequestKind } from './internal-request.ts';
export { AlarmStore, AlarmType, ALARM_PREFIX, type AlarmMember } from './alarms.ts';
export { AlarmAction, BaseApplier, ApplierDecorator, QuotaApplier, CappedApplier, buildApplierChain, type Applier, type BackendQuota, type CompactionOutcome } from './applier.ts';
export { EntryApplier, type ApplyResult, type AppliedEntry, type CommittedEntry, type EntryApplierDeps } from './entry-applier.ts';
export { LocalProposer, type Proposer, type Proposal, type LocalProposerOptions } from './proposer.ts';
export { RequestIdGenerator } from './request-id.ts';
export { ServerError, ServerErrorCode, serverErrorText, isServerError } from './errors.ts';
export * from './wire-convert.ts';
