export {
  finalizersFor,
  FOREGROUND_FINALIZER,
  gracePeriodFor,
  newFinalizersWhileDeleting,
  ORPHAN_FINALIZER,
  planDeletion,
  shouldDeleteAfterUpdate,
  type DeletionPlan,
  type DeletionRequest,
} from './deletion-plan.ts';
export {
  applyFinalize,
  isTerminating,
  NAMESPACE_ALREADY_TERMINATING,
  NAMESPACE_FINALIZER,
  planNamespaceDeletion,
  specFinalizers,
  UNDELETABLE_NAMESPACES,
  type NamespaceDeletionPlan,
} from './namespace-deletion.ts';
export { NamespaceFinalizer } from './namespace-finalizer.ts';
