export { buildOpenApiDocuments, type OpenApiDocuments } from './documents.ts';
export type { Definitions, Schema } from './definitions.ts';
export { describeDuplicate, describeUnknown, duplicateFields, FIELD_VALIDATION_VALUES, pruneUnknownFields, type FieldValidation } from './field-validation.ts';
export { encodeOpenApiV2, OPENAPI_V2_PROTOBUF } from './v2-protobuf.ts';
export type { ServedKind } from './served-kind.ts';
export { fieldValidationMode, validateFields, warningHeaders, type WriteVerb } from './request-validation.ts';
