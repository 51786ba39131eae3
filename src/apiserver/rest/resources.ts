// Kept for imports written before the resource table moved to ../resources/ (one file per kind).
export * from '../resources/index.ts';
/** @deprecated the table grew past core/v1; use BUILTIN_RESOURCES. */
export { BUILTIN_RESOURCES as CORE_RESOURCES } from '../resources/index.ts';
