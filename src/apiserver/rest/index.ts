// The door to the REST layer: the HTTP request handler, the resource table and the pieces unit tests reach for.
export { buildTable, humanDuration, type IncludeObject, type TableColumn } from './table.ts';
export { BUILTIN_RESOURCES, type ResourceDef } from '../resources/index.ts';
export { CORE_RESOURCES } from './resources.ts';
export { applyJsonPatch, applyMergePatch, applyPatch, applyStrategicMergePatch, PatchError } from './patch.ts';
export { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from './selectors.ts';
export { ResourceRegistry, storagePrefix, SYSTEM_NAMESPACES, nowTimestamp } from './registry.ts';
export { createRequestHandler, type HealthCheck, type RestContext } from './server.ts';
export { ApiError, CONFLICT_MODIFIED, type StatusObject } from './status.ts';
export { negotiate } from './http-util.ts';
export { upgradeResponse } from './subresources/upgrade-request.ts';
