// Server-side apply and managedFields: the door to this folder.
export { applyConfiguration, recordUpdate, LAST_APPLIED_ANNOTATION, type ApplyOptions, type FieldManagerContext } from './field-manager.ts';
export { ApplyConflictError, type FieldConflict } from './conflicts.ts';
export { FieldSet, pathString, type FieldPath } from './fieldset.ts';
export { decodeManagedFields, encodeManagedFields, managerFromUserAgent, type ManagedFieldsEntry } from './managed-fields.ts';
